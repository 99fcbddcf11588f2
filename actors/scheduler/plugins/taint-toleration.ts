/**
 * TaintToleration (pkg/scheduler/framework/plugins/tainttoleration).
 *
 * Filter: the first NoSchedule/NoExecute taint (node order) that no toleration tolerates
 * rejects the node, UnschedulableAndUnresolvable, with `node(s) had untolerated taint {key: value}`
 * — the message kube-scheduler printed up to v1.34.1. v1.34.2+/v1.35 print
 * `node(s) had untolerated taint(s)` instead (kubernetes#134740: taint values may be sensitive);
 * `hideTaintValues: true` selects that.
 *
 * Score: the number of PreferNoSchedule taints not tolerated by the pod's tolerations whose effect
 * is PreferNoSchedule or empty; NormalizeScore reverses it (`DefaultNormalizeScore(100, true)`):
 * fewest untolerated taints → 100; all zero → every node 100.
 */
import type { V1Toleration } from '@kubernetes/client-node';
import { stateKey } from '../framework/cycle-state.ts';
import type { Plugin } from '../framework/interface.ts';
import { MAX_NODE_SCORE } from '../framework/interface.ts';
import { defaultNormalizeScore } from '../framework/normalize.ts';
import { unresolvable, type Status } from '../framework/status.ts';
import { findMatchingUntoleratedTaint, isDoNotScheduleTaint, tolerationsTolerateTaint } from '../../api/taints.ts';

export const Name = 'TaintToleration';
/** v1.34.2+ / v1.35 reason. */
export const ErrReasonUntoleratedTaints = 'node(s) had untolerated taint(s)';

export interface TaintTolerationArgs {
  /** Use the v1.35 reason without taint key and value. Default false (v1.30–v1.34.1 format). */
  readonly hideTaintValues?: boolean;
}

const preferNoScheduleKey = stateKey<readonly V1Toleration[]>('PreScoreTaintToleration');
const HIDDEN = unresolvable(Name, ErrReasonUntoleratedTaints);

/** The v1.34.1 reason for one taint: `node(s) had untolerated taint {key: value}`. */
export function untoleratedTaintReason(key: string, value: string | undefined): string {
  return `node(s) had untolerated taint {${key}: ${value ?? ''}}`;
}

export function newTaintToleration(args: TaintTolerationArgs = {}): Plugin {
  // One shared status per distinct reason, so a thousand tainted nodes cost no allocations.
  const statuses = new Map<string, Status>();
  return {
    name: Name,
    fusion: { kind: 'TaintToleration' },
    filter(_state, pod, node) {
      if (node.taints.length === 0) return null;
      const taint = findMatchingUntoleratedTaint(node.taints, pod.pod.spec?.tolerations ?? [], isDoNotScheduleTaint);
      if (!taint) return null;
      if (args.hideTaintValues) return HIDDEN;
      const reason = untoleratedTaintReason(taint.key, taint.value);
      let s = statuses.get(reason);
      if (!s) statuses.set(reason, (s = unresolvable(Name, reason)));
      return s;
    },
    preScore(state, pod) {
      const tolerations = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
      state.write(preferNoScheduleKey, tolerations);
      return null;
    },
    score(state, _pod, node) {
      if (node.taints.length === 0) return 0;
      const tolerations = state.read(preferNoScheduleKey) ?? [];
      let count = 0;
      for (const taint of node.taints) {
        if (taint.effect !== 'PreferNoSchedule') continue;
        if (!tolerationsTolerateTaint(tolerations, taint)) count++;
      }
      return count;
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    },
  } satisfies Plugin;
}
