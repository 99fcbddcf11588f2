/**
 * Per-scheduling-cycle scratch space (kube `CycleState`): PreFilter and PreScore write what
 * Filter and Score read for every node, so the per-node work stays small. Keys are typed
 * tokens, so a plugin reads back exactly the type it wrote.
 */

/** A typed key. Create one per plugin datum with `stateKey<T>('PreFilterNodeAffinity')`. */
export interface StateKey<T> {
  readonly name: string;
  /** Phantom: carries T for the type checker only. */
  readonly _type?: T;
}

export function stateKey<T>(name: string): StateKey<T> {
  return { name };
}

/** A state value that knows how to copy itself (kube `StateData`). */
export interface Cloneable {
  clone(): unknown;
}

function isCloneable(v: unknown): v is Cloneable {
  return typeof v === 'object' && v !== null && typeof (v as { clone?: unknown }).clone === 'function';
}

export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter returned Skip: their Filter does not run this cycle. */
  readonly skipFilterPlugins = new Set<string>();
  /** Plugins whose PreScore returned Skip: their Score does not run this cycle. */
  readonly skipScorePlugins = new Set<string>();

  write<T>(key: StateKey<T>, value: T): void {
    this.data.set(key.name, value);
  }

  read<T>(key: StateKey<T>): T | undefined {
    return this.data.get(key.name) as T | undefined;
  }

  /**
   * A copy for one preemption what-if (kube `CycleState.Clone`, which calls each value's
   * `StateData.Clone`): a value with a `clone()` method (the mutable PreFilter states of
   * InterPodAffinity and PodTopologySpread) is copied by it; any other value is shared and must
   * be treated as read-only.
   */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, isCloneable(v) ? v.clone() : v);
    for (const p of this.skipFilterPlugins) c.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) c.skipScorePlugins.add(p);
    return c;
  }
}
