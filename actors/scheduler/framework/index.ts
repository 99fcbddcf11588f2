/** The scheduling framework's public surface (one import for actors and plugins). */
export {
  affinityTermKey,
  affinityTermMatches,
  NO_POD_AFFINITY,
  parsePodAffinity,
  type AffinityTerm,
  type PodAffinityInfo,
  type WeightedAffinityTerm,
} from './affinity.ts';
export { CycleState, stateKey, type Cloneable, type StateKey } from './cycle-state.ts';
export { fitErrorMessage, reasonHistogram, type Diagnosis } from './fit-error.ts';
export {
  MAX_NODE_SCORE,
  MIN_NODE_SCORE,
  type ExtensionPoint,
  type Plugin,
  type PostFilterContext,
  type PostFilterResult,
  type PreFilterExtensions,
  type PreFilterOutcome,
  type PreFilterResult,
  type Profile,
} from './interface.ts';
export {
  addRequirements,
  compileLabelSelector,
  compileRequirements,
  SELECT_EVERYTHING,
  SELECT_NOTHING,
  selectorFromSet,
  selectorKey,
  type CompiledSelector,
  type Labels,
} from './label-selector.ts';
export { HostPortUsage, NodeInfo, nodeImageSizes } from './node-info.ts';
export { NodeToStatus } from './node-to-status.ts';
export { defaultNormalizeScore } from './normalize.ts';
export { DEFAULT_BIND_ALL_HOST_IP, hostPortsOf, newPodInfo, podAffinityOf, podKey, timeMs, type HostPort, type PodInfo } from './pod-info.ts';
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
export { buildSnapshot, Snapshot, zoneKey, type ImageState, type SnapshotExtras, type WorkloadKind } from './snapshot.ts';
export { addToCounts, NodeCountIndex, TopologyIndex, type Emit, type TopologyCounts } from './topology-index.ts';
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
