/** The scheduling framework's public surface (one import for actors and plugins). */
export { CycleState, stateKey, type StateKey } from './cycle-state.ts';
export { fitErrorMessage, reasonHistogram, type Diagnosis } from './fit-error.ts';
export {
  MAX_NODE_SCORE,
  MIN_NODE_SCORE,
  type Plugin,
  type PostFilterContext,
  type PostFilterResult,
  type PreFilterOutcome,
  type PreFilterResult,
  type Profile,
} from './interface.ts';
export { HostPortUsage, NodeInfo } from './node-info.ts';
export { NodeToStatus } from './node-to-status.ts';
export { defaultNormalizeScore } from './normalize.ts';
export { DEFAULT_BIND_ALL_HOST_IP, hostPortsOf, newPodInfo, podKey, timeMs, type HostPort, type PodInfo } from './pod-info.ts';
export {
  computePodResources,
  DEFAULT_MEMORY_REQUEST,
  DEFAULT_MILLI_CPU_REQUEST,
  isExtendedResourceName,
  isScalarResourceName,
  nodeAllocatable,
  podRequests,
  type Allocatable,
  type PodResources,
  type ResourceList,
  type Resources,
} from './resources.ts';
export {
  INITIAL_ROTATION,
  MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND,
  MIN_FEASIBLE_NODES_TO_FIND,
  NO_NODES_AVAILABLE_MSG,
  numFeasibleNodesToFind,
  runFilterPlugins,
  scheduleOne,
  type Explanation,
  type FilterVerdict,
  type NodeExplanation,
  type Rotation,
  type ScheduleDecision,
  type ScheduleOneResult,
  type ScheduleOptions,
  type ScoreDetail,
  type Unschedulable,
} from './schedule-one.ts';
export { buildSnapshot, Snapshot, zoneKey } from './snapshot.ts';
export {
  errorStatus,
  isRejected,
  isSuccess,
  newStatus,
  skipStatus,
  statusMessage,
  unresolvable,
  unschedulable,
  withPlugin,
  type Code,
  type Status,
} from './status.ts';
