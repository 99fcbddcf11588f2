/**
 * Plugin and profile shapes, after kubernetes `k8s.io/kube-scheduler/framework/interface.go`.
 *
 * A plugin is an object with a `name` and any of the extension points below; the framework
 * calls only what is present. A profile is data: the ordered plugin list (kube's MultiPoint
 * order, which is both the Filter order and the Score order), a weight per score plugin and,
 * when a configuration set an extension point on its own, that point's plugin list.
 *
 * Every method is synchronous and pure with respect to its inputs (it may write CycleState).
 */
import type { CycleState } from './cycle-state.ts';
import type { NodeInfo } from './node-info.ts';
import type { NodeToStatus } from './node-to-status.ts';
import type { PodInfo } from './pod-info.ts';
import type { Snapshot } from './snapshot.ts';
import type { Status } from './status.ts';

/** `framework.MaxNodeScore`: every normalized score is in [MIN_NODE_SCORE, MAX_NODE_SCORE]. */
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

/** PreFilter may narrow the nodes to try (kube `PreFilterResult.NodeNames`). */
export interface PreFilterResult {
  readonly nodeNames: ReadonlySet<string>;
}

/**
 * - `null`: success, filter every node;
 * - a Status: `Skip` (this plugin's Filter does not run this cycle), a rejection (the pod fits
 *   nowhere; its message replaces the per-node histogram) or `Error`;
 * - a PreFilterResult: only these nodes are filtered; the others count as
 *   `node(s) didn't satisfy plugin(s) [Name]`.
 */
export type PreFilterOutcome = Status | PreFilterResult | null;

export interface PostFilterContext {
  readonly state: CycleState;
  readonly pod: PodInfo;
  readonly snapshot: Snapshot;
  /** Why each node failed this cycle. */
  readonly nodeToStatus: NodeToStatus;
  /**
   * Runs the profile's filters on a node, e.g. a copy with victims removed, with `state`
   * (default: this cycle's state; preemption passes a clone it updated with `removePod`).
   */
  runFilters(node: NodeInfo, state?: CycleState): Status | null;
  /**
   * kube `RunPreFilterExtensionRemovePod` / `AddPod`: tells every PreFilter plugin with extensions
   * (InterPodAffinity, PodTopologySpread) that `pod` left / joined `node`, updating `state`.
   * Returns the first failure. Optional for contexts built by hand.
   */
  removePod?(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null;
  addPod?(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null;
  /** Seeded draw in [0, n), for preemption's random offset. */
  randomInt(n: number): number;
}

/**
 * kube `PreFilterExtensions`: keep a plugin's PreFilter state right when a pod is added to or
 * removed from a node during preemption's what-if evaluation. Must update `state` in place
 * (the caller passes a clone, see `CycleState.clone`).
 */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, node: NodeInfo): Status | null;
  removePod(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, node: NodeInfo): Status | null;
}

export interface PostFilterResult {
  /** null = Success (room was made; the pod is nominated and retried). */
  readonly status: Status | null;
  /**
   * kube `NominatingInfo`: undefined leaves the pod's `status.nominatedNodeName` as it is, ""
   * clears it, a name sets it.
   */
  readonly nominatedNodeName?: string;
  /** Pods to evict so the pod fits on `nominatedNodeName` (most important first). */
  readonly victims?: readonly PodInfo[];
}

/**
 * What the framework's fused scan (schedule-one.ts) may assume about a built-in plugin, so it can
 * check the common case inline over all such plugins in one pass per node instead of calling
 * each plugin for each node. A hint only ever lets the framework skip a call whose answer it
 * states; whenever the inline check cannot tell (a node fails it, the pod has extended
 * resources, ...), the framework calls the plugin itself, so statuses and reasons are the
 * plugin's own. test/scheduler/fused-path.test.ts checks the two paths agree on random clusters.
 *
 * - `NodeUnschedulable`: Filter passes on a node whose `unschedulable` is false.
 * - `NodeName`: Filter passes when the pod's `nodeName` is "" or the node's name.
 * - `TaintToleration`: Filter passes on a node without taints; Score is 0 on a node without
 *   taints, and NormalizeScore is `defaultNormalizeScore(100, reverse)` (all 0 → all 100).
 * - `NodePorts`: Filter passes when the pod has no host ports or the node uses none.
 * - `NodeResourcesFit`: for a pod without extended resources, Filter passes iff pods + 1 ≤
 *   allowed and each of cpu, memory, ephemeral storage requested > 0 fits in allocatable −
 *   requested; `leastAllocated` (when set) says Score is LeastAllocated over cpu and memory
 *   non-zero requests with these weights.
 * - `BalancedAllocation`: `cpuMemory` says Score is the two-resource formula over cpu and memory
 *   exact requests.
 * - `ImageLocality`: `uniformScore(state)`, after PreScore: the score every node gets this
 *   cycle, or null when it depends on the node.
 */
export type FusionHint =
  | { readonly kind: 'NodeUnschedulable' }
  | { readonly kind: 'NodeName' }
  | { readonly kind: 'TaintToleration' }
  | { readonly kind: 'NodePorts' }
  | { readonly kind: 'NodeResourcesFit'; readonly leastAllocated: { readonly cpuWeight: number; readonly memoryWeight: number } | null }
  | { readonly kind: 'BalancedAllocation'; readonly cpuMemory: boolean }
  | { readonly kind: 'ImageLocality'; uniformScore(state: CycleState): number | null }
  | { readonly kind: 'InterPodAffinity'; filterVerdicts(state: CycleState): FilterVerdictTable | null };

/**
 * A Filter whose verdict this cycle is a function of one node label's value (InterPodAffinity
 * with one topology key): the fused scan reads `table[ids[j]]` for row j of `nodes` (the
 * snapshot's list the table was made for) instead of calling Filter. A verdict < 0 (not yet
 * computed) or an id beyond the table means: call Filter for that node (it fills the table).
 * `statuses[v]` is exactly what Filter returns for verdict v (null = passes).
 */
export interface FilterVerdictTable {
  readonly nodes: readonly NodeInfo[];
  readonly ids: Int32Array;
  readonly table: Int8Array;
  readonly statuses: readonly (Status | null)[];
}

export interface Plugin {
  readonly name: string;
  /** Lets the framework's fused scan check this plugin inline (see FusionHint); optional. */
  readonly fusion?: FusionHint;
  preFilter?(state: CycleState, pod: PodInfo, snapshot: Snapshot): PreFilterOutcome;
  /** AddPod / RemovePod for preemption (only plugins whose PreFilter state depends on other pods). */
  readonly preFilterExtensions?: PreFilterExtensions;
  /** null = the pod fits this node as far as this plugin is concerned. */
  filter?(state: CycleState, pod: PodInfo, node: NodeInfo): Status | null;
  /**
   * Runs once before Score over the feasible nodes; return a `Skip` status to skip Score this
   * cycle. `snapshot` is the whole cluster (kube plugins read it through their shared lister);
   * callers outside the framework may omit it.
   */
  preScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot?: Snapshot): Status | null;
  /** Raw score of one feasible node (an integer; need not be in 0..100 before normalizing). */
  score?(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites `scores` (aligned with `nodes`) in place into 0..100. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: number[], nodes: readonly NodeInfo[]): void;
  /** Runs when no node fits (kube: preemption). */
  postFilter?(ctx: PostFilterContext): PostFilterResult;
}

/** The extension points a profile can configure separately (the rest follow `plugins`). */
export type ExtensionPoint = 'preFilter' | 'filter' | 'postFilter' | 'preScore' | 'score';

/** A scheduling profile (one `profiles[]` entry of KubeSchedulerConfiguration), as data. */
export interface Profile {
  readonly schedulerName: string;
  /** MultiPoint order: Filter and Score run in this order. */
  readonly plugins: readonly Plugin[];
  /**
   * Plugin names per extension point, in run order, when the configuration enabled or disabled
   * plugins at one point only (`plugins.score.disabled: [{name: X}]`). A point absent here runs
   * every plugin of `plugins` that implements it, in `plugins` order.
   */
  readonly extensionPoints?: Readonly<Partial<Record<ExtensionPoint, readonly string[]>>>;
  /** Score weight by plugin name; a score plugin without an entry has weight 1 (kube's default). */
  readonly weights: Readonly<Record<string, number>>;
  /** 1..100 fixes the percentage; 0 or undefined = adaptive `max(5, 50 − n/125)`. */
  readonly percentageOfNodesToScore?: number;
}
