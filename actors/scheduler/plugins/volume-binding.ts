/**
 * VolumeBinding (pkg/scheduler/framework/plugins/volumebinding): a pod's PersistentVolumeClaims
 * decide where it may go.
 * - PreFilter: a claim that does not exist or is being deleted makes the pod unschedulable
 *   everywhere; an unbound claim of an Immediate class too (the PV controller binds those, the
 *   scheduler waits); an unbound claim of a WaitForFirstConsumer class is left to binding time.
 *   A pod without claims skips the plugin.
 * - Filter: a bound claim's volume must be reachable from the node (its nodeAffinity).
 * - Reserve/PreBind: `claimsToAnnotate` lists the delayed claims the scheduler annotates with
 *   `volume.kubernetes.io/selected-node` before binding the pod (scheduler-core.ts).
 *
 * Simplification (named in README.md): for an unbound WaitForFirstConsumer claim any node passes
 * — the simulated provisioner can provision on every node — where upstream also checks static
 * volumes and the class's allowedTopologies on each node; and the pod is bound right after the
 * annotation is written, where upstream's PreBind waits for the claim to be bound.
 */
import type { V1NodeSelectorTerm, V1Pod } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/protocol.ts';
import { stateKey } from '../framework/cycle-state.ts';
import type { Plugin } from '../framework/interface.ts';
import type { Snapshot } from '../framework/snapshot.ts';
import { errorStatus, skipStatus, unresolvable } from '../framework/status.ts';
import { compileNodeSelectorTerms, type NodeMatcher } from './helper/node-selector.ts';

export const Name = 'VolumeBinding';
export const ErrReasonNodeConflict = 'node(s) had volume node affinity conflict';
export const ErrReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
export const ErrUnboundImmediate = 'pod has unbound immediate PersistentVolumeClaims';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';

const SKIP = skipStatus(Name);
const NODE_CONFLICT = unresolvable(Name, ErrReasonNodeConflict);

interface ClaimLike extends KubeObject {
  spec?: { volumeName?: string; storageClassName?: string | null };
}

interface PreFilterState {
  /** Node matchers of the bound claims' volumes that have node affinity. */
  readonly boundAffinities: readonly NodeMatcher[];
  /** A bound claim's volume the scheduler cannot see (yet). */
  readonly missingVolume: string;
}

const STATE = stateKey<PreFilterState>(`PreFilter${Name}`);

/** The claim names a pod's volumes reference, in order, without repeats. */
export function podClaimNames(pod: V1Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    const name = v.persistentVolumeClaim?.claimName;
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

function isDelayed(claim: ClaimLike, snapshot: Snapshot): boolean {
  const className = claim.spec?.storageClassName ?? '';
  if (!className) return false;
  const sc = snapshot.volumes.storageClass(className) as { volumeBindingMode?: string } | undefined;
  return sc?.volumeBindingMode === 'WaitForFirstConsumer';
}

/**
 * The pod's unbound WaitForFirstConsumer claims whose `selected-node` annotation is not `node`:
 * what the scheduler writes before binding the pod there.
 */
export function claimsToAnnotate(pod: V1Pod, snapshot: Snapshot, node: string): KubeObject[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const out: KubeObject[] = [];
  for (const name of podClaimNames(pod)) {
    const claim = snapshot.volumes.claim(ns, name) as ClaimLike | undefined;
    if (!claim || claim.spec?.volumeName || !isDelayed(claim, snapshot)) continue;
    if (claim.metadata?.annotations?.[ANN_SELECTED_NODE] === node) continue;
    out.push(claim);
  }
  return out;
}

export function newVolumeBinding(): Plugin {
  return {
    name: Name,
    preFilter(state, pod, snapshot) {
      const names = podClaimNames(pod.pod);
      if (names.length === 0) return SKIP;
      const boundAffinities: NodeMatcher[] = [];
      let missingVolume = '';
      let unboundImmediate = false;
      for (const name of names) {
        const claim = snapshot.volumes.claim(pod.namespace, name) as ClaimLike | undefined;
        if (!claim) return unresolvable(Name, `persistentvolumeclaim "${name}" not found`);
        if (claim.metadata?.deletionTimestamp) return unresolvable(Name, `persistentvolumeclaim "${name}" is being deleted`);
        const volumeName = claim.spec?.volumeName;
        if (volumeName) {
          const pv = snapshot.volumes.volume(volumeName) as { spec?: { nodeAffinity?: { required?: { nodeSelectorTerms?: V1NodeSelectorTerm[] } } } } | undefined;
          if (!pv) {
            missingVolume = volumeName;
            continue;
          }
          const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
          if (terms) boundAffinities.push(compileNodeSelectorTerms(terms));
          continue;
        }
        if (!isDelayed(claim, snapshot)) unboundImmediate = true;
      }
      if (unboundImmediate) return unresolvable(Name, ErrUnboundImmediate);
      state.write(STATE, { boundAffinities, missingVolume });
      return null;
    },
    filter(state, _pod, node) {
      const s = state.read(STATE);
      if (!s) return null;
      // kube's FindPodVolumes fails with the lister's error on a bound claim whose volume it cannot get.
      if (s.missingVolume) return errorStatus(Name, `persistentvolume "${s.missingVolume}" not found`);
      for (const m of s.boundAffinities) if (!m(node.labels, node.name)) return NODE_CONFLICT;
      return null;
    },
  } satisfies Plugin;
}
