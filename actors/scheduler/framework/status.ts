/**
 * The result of running a plugin: a code, zero or more human-readable reasons, and the plugin
 * that produced it — kubernetes `k8s.io/kube-scheduler/framework` `Status`.
 *
 * A plugin returns `null` for success (no allocation on the hot path, as kube returns a nil
 * *Status). Statuses are plain frozen objects so a plugin can hand out one shared instance per
 * reason (NodeUnschedulable returns the same object for every cordoned node).
 */

/** Kubernetes' status codes, spelled as in `interface.go`. */
export type Code =
  /** The plugin ran and found the pod fits (or, for PostFilter, made room for it). */
  | 'Success'
  /** An internal error: the cycle is aborted and the pod retried with backoff. */
  | 'Error'
  /** The pod does not fit now; preemption may help (kube sends these nodes to the dry run). */
  | 'Unschedulable'
  /** The pod does not fit and preemption cannot change that (taints, affinity, node name). */
  | 'UnschedulableAndUnresolvable'
  /** Permit: wait. Unused by the in-tree plugins modelled here. */
  | 'Wait'
  /** PreFilter/PreScore: this plugin has nothing to do for this pod; skip its Filter/Score. */
  | 'Skip'
  /** The pod waits on something outside the scheduler (DRA). Unused here. */
  | 'Pending';

export interface Status {
  readonly code: Code;
  /** Reasons, each counted separately in the `0/N nodes are available` histogram. */
  readonly reasons: readonly string[];
  /** Name of the plugin that returned it; set by the framework when a plugin leaves it empty. */
  readonly plugin: string;
}

export function newStatus(code: Code, reasons: readonly string[] = [], plugin = ''): Status {
  return Object.freeze({ code, reasons: Object.freeze([...reasons]), plugin });
}

export function unschedulable(plugin: string, ...reasons: string[]): Status {
  return newStatus('Unschedulable', reasons, plugin);
}

export function unresolvable(plugin: string, ...reasons: string[]): Status {
  return newStatus('UnschedulableAndUnresolvable', reasons, plugin);
}

export function errorStatus(plugin: string, message: string): Status {
  return newStatus('Error', [message], plugin);
}

export function skipStatus(plugin: string): Status {
  return newStatus('Skip', [], plugin);
}

/** `Status.Message()`: the reasons joined with ", ". */
export function statusMessage(s: Status | null | undefined): string {
  return s ? s.reasons.join(', ') : '';
}

export function isSuccess(s: Status | null | undefined): boolean {
  return s == null || s.code === 'Success';
}

/** `Status.IsRejected()`: Unschedulable, UnschedulableAndUnresolvable or Pending. */
export function isRejected(s: Status | null | undefined): boolean {
  return s != null && (s.code === 'Unschedulable' || s.code === 'UnschedulableAndUnresolvable' || s.code === 'Pending');
}

/** The same status attributed to `plugin` (kube `WithPlugin`), without copying when it already is. */
export function withPlugin(s: Status, plugin: string): Status {
  return s.plugin === plugin ? s : newStatus(s.code, s.reasons, plugin);
}
