import type { KubeObject } from '../api/protocol.ts';
import type { KeyValue } from '../etcd/mvcc.ts';
import type { ClusterState, StateListener } from './cluster-state.ts';
import type { Verdict } from './conditions.ts';
import { checkEndpoints } from './endpoints-conditions.ts';
import { checkNode, checkObject, EventsTally, PodsTally } from './k8s-conditions.ts';
import type { Expectation } from './spec.ts';
import { checkWorkload, deploymentRevision, RolloutTally } from './workload-conditions.ts';

/**
 * An expectation's Kubernetes conditions (`pods`, `node`, `object`, `event`) as an observer of
 * the committed cluster state. It follows only the keys its conditions read (a node's or an
 * object's key; the pods or Events of a namespace) and is told of each change to them
 * (`ClusterState.sync`). A condition is checked again only when something it reads changed:
 * pods and Events are tallied one object at a time, so a check costs what changed, not the
 * size of the cluster. The verdict is the one a fresh read of the whole state would give.
 */
export class KubeObserver {
  private readonly parts: Part[] = [];
  private readonly stops: (() => void)[] = [];
  private cached: Verdict | null = null;

  constructor(
    exp: Expectation,
    private readonly state: ClusterState,
  ) {
    if (exp.pods) this.parts.push(this.tallied(new PodsTally(exp.pods), 'pods', exp.pods.namespace));
    if (exp.node) {
      const cond = exp.node;
      this.parts.push(this.keyed(state.keyOf('nodes', undefined, cond.name), () => checkNode(cond, state)));
    }
    if (exp.object) {
      const cond = exp.object;
      this.parts.push(this.keyed(state.keyOf(cond.object.kind, cond.object.namespace, cond.object.name), () => checkObject(cond, state)));
    }
    if (exp.event) this.parts.push(this.tallied(new EventsTally(exp.event), 'events', exp.event.namespace));
    if (exp.workload) {
      const cond = exp.workload;
      const ref = cond.object;
      const part = this.keyed(state.keyOf(ref.kind, ref.namespace, ref.name), () => checkWorkload(cond, state.get(ref.kind, ref.namespace, ref.name), (d) => deploymentRevision(d, state)));
      this.parts.push(part);
      // A Deployment's revision is its newest ReplicaSet's: follow them too.
      const rsPrefix = ref.kind === 'deployment' && cond.counts.revision !== undefined ? state.prefixOf('replicasets', ref.namespace) : undefined;
      if (rsPrefix !== undefined) {
        const touch = (): void => {
          part.dirty = true;
        };
        this.stops.push(state.follow({ key: rsPrefix, prefix: true, put: touch, deleted: touch, reset: touch }));
      }
    }
    if (exp.rollout) this.parts.push(this.rollout(new RolloutTally(exp.rollout)));
    if (exp.endpoints) {
      const cond = exp.endpoints;
      const namespace = cond.namespace ?? 'default';
      // Read afresh when the Service, its Endpoints, or any pod or EndpointSlice of its namespace changed.
      this.parts.push(
        this.following(
          [
            [state.keyOf('services', namespace, cond.service), false],
            [state.keyOf('endpoints', namespace, cond.service), false],
            [state.prefixOf('pods', namespace), true],
            [state.prefixOf('endpointslices', namespace), true],
          ],
          () => checkEndpoints(cond, state),
        ),
      );
    }
  }

  /** A Deployment's key and the pods of its namespace, into one tally. */
  private rollout(tally: RolloutTally): Part {
    const ref = tally.cond.object;
    const part = this.tallied({ set: (key, pod) => tally.setPod(key, pod), clear: () => tally.clearPods(), verdict: () => tally.verdict() }, 'pods', ref.namespace);
    const key = this.state.keyOf('deployment', ref.namespace, ref.name);
    if (key === undefined) return part;
    const read = (): void => {
      tally.setDeployment(this.state.get('deployment', ref.namespace, ref.name));
      part.dirty = true;
    };
    this.stops.push(this.state.follow({ key, prefix: false, put: read, deleted: read, reset: read }));
    read();
    return part;
  }

  /** True when the expectation has Kubernetes conditions. */
  static concerns(exp: Expectation): boolean {
    return !!(exp.pods || exp.node || exp.object || exp.event || exp.workload || exp.rollout || exp.endpoints);
  }

  /** The conditions' verdict on the committed state as it is now: the first failing one, or all details. */
  verdict(): Verdict {
    this.state.sync();
    if (this.cached && !this.parts.some((p) => p.dirty)) return this.cached;
    const verdicts = this.parts.map((p) => {
      if (p.dirty || !p.verdict) {
        p.verdict = p.check();
        p.dirty = false;
      }
      return p.verdict;
    });
    this.cached = verdicts.find((v) => !v.ok) ?? { ok: true, detail: verdicts.map((v) => v.detail).join('; ') };
    return this.cached;
  }

  /** Stops following the state. */
  close(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  /** One object by its key: checked afresh when the key changes. */
  private keyed(key: string | undefined, check: () => Verdict): Part {
    return this.following([[key, false]], check);
  }

  /** Keys and prefixes (`[key, isPrefix]`): checked afresh when any of them changes. */
  private following(keys: readonly [string | undefined, boolean][], check: () => Verdict): Part {
    const part: Part = { dirty: true, verdict: null, check };
    const touch = (): void => {
      part.dirty = true;
    };
    for (const [key, prefix] of keys) if (key !== undefined) this.stops.push(this.state.follow({ key, prefix, put: touch, deleted: touch, reset: touch }));
    return part;
  }

  /** Every object under a prefix, tallied one change at a time. */
  private tallied(tally: Pick<PodsTally, 'set' | 'clear' | 'verdict'>, resource: 'pods' | 'events', namespace: string | undefined): Part {
    const part: Part = { dirty: true, verdict: null, check: () => tally.verdict() };
    const prefix = this.state.prefixOf(resource, namespace);
    if (prefix === undefined) return part;
    const refill = (): void => {
      tally.clear();
      for (const kv of this.state.listRaw(prefix)) tally.set(kv.key, decode(kv));
      part.dirty = true;
    };
    const listener: StateListener = {
      key: prefix,
      prefix: true,
      put: (kv) => {
        tally.set(kv.key, decode(kv));
        part.dirty = true;
      },
      deleted: (key) => {
        tally.set(key, undefined);
        part.dirty = true;
      },
      reset: refill,
    };
    this.stops.push(this.state.follow(listener));
    refill();
    return part;
  }
}

interface Part {
  dirty: boolean;
  verdict: Verdict | null;
  check(): Verdict;
}

/** A tally reads labels, spec and status only: no need for the resourceVersion `ClusterState` adds. */
function decode(kv: KeyValue): KubeObject {
  return JSON.parse(kv.value) as KubeObject;
}
