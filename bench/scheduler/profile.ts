/**
 * The profile the bench schedules with: the scheduler actor's own `defaultProfile()` when it has
 * every plugin the workload needs; otherwise the actor's plugin list with the missing plugins
 * (taken from the in-tree registry) inserted at their upstream MultiPoint position and weight.
 * The result says where each plugin came from, and the report prints it.
 */
import { buildProfile, DEFAULT_PLUGINS, defaultProfile, inTreeRegistry, type PluginConfig, type Profile } from '../../actors/scheduler/index.ts';

/** kube's default MultiPoint order and score weights (default_plugins.go), for inserting missing plugins. */
const UPSTREAM_ORDER: readonly PluginConfig[] = [
  { name: 'NodeUnschedulable' },
  { name: 'NodeName' },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts' },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DefaultPreemption' },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
];

export type PluginSource = 'actor profile' | 'in-tree, added by the bench';

export interface BenchProfile {
  readonly profile: Profile;
  /** Every plugin of the profile, in order, with where it came from. */
  readonly plugins: readonly { readonly name: string; readonly source: PluginSource }[];
  /** True when the profile is exactly the scheduler actor's `defaultProfile()`. */
  readonly isActorProfile: boolean;
}

/** Plugins the workload needs that the scheduler actor's profile lacks. */
export function missingFromActorProfile(needs: readonly string[]): string[] {
  const have = new Set(defaultProfile().plugins.map((p) => p.name));
  return needs.filter((n) => !have.has(n));
}

export function benchProfile(needs: readonly string[]): BenchProfile {
  const actor = defaultProfile();
  const missing = missingFromActorProfile(needs);
  if (missing.length === 0) {
    return { profile: actor, plugins: actor.plugins.map((p) => ({ name: p.name, source: 'actor profile' as const })), isActorProfile: true };
  }
  for (const name of missing) {
    if (!inTreeRegistry[name]) throw new Error(`the workload needs scheduler plugin ${name}, which actors/scheduler/plugins does not provide`);
  }
  // The actor's plugins in its order; each missing one goes before the first actor plugin that
  // follows it upstream.
  const rank = new Map(UPSTREAM_ORDER.map((p, i) => [p.name, i]));
  const list: PluginConfig[] = [...DEFAULT_PLUGINS];
  for (const name of missing) {
    const cfg = UPSTREAM_ORDER.find((p) => p.name === name) ?? { name };
    const r = rank.get(name) ?? Infinity;
    const at = list.findIndex((p) => (rank.get(p.name) ?? -1) > r);
    if (at < 0) list.push(cfg);
    else list.splice(at, 0, cfg);
  }
  const profile = buildProfile({ plugins: list });
  const added = new Set(missing);
  return { profile, plugins: profile.plugins.map((p) => ({ name: p.name, source: added.has(p.name) ? 'in-tree, added by the bench' : 'actor profile' })), isActorProfile: false };
}
