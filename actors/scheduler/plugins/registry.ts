/**
 * In-tree plugin registry and profiles (kube `plugins/registry.go` NewInTreeRegistry and
 * `apis/config/v1/default_plugins.go`). A profile is built from data — plugin names, weights,
 * args — so a KubeSchedulerConfiguration `profiles[]` entry maps onto `buildProfile` directly,
 * and new plugins (InterPodAffinity, PodTopologySpread, ImageLocality) are one registry entry
 * and one line in DEFAULT_PLUGINS.
 */
import type { Plugin, Profile } from '../framework/interface.ts';
import { Name as BalancedAllocationName, newBalancedAllocation, type BalancedAllocationArgs } from './balanced-allocation.ts';
import { Name as DefaultPreemptionName, newDefaultPreemption, type DefaultPreemptionArgs } from './default-preemption.ts';
import { Name as NodeAffinityName, newNodeAffinity, type NodeAffinityArgs } from './node-affinity.ts';
import { Name as NodeNameName, newNodeName } from './node-name.ts';
import { Name as NodePortsName, newNodePorts } from './node-ports.ts';
import { Name as NodeResourcesFitName, newNodeResourcesFit, type NodeResourcesFitArgs } from './node-resources-fit.ts';
import { Name as NodeUnschedulableName, newNodeUnschedulable } from './node-unschedulable.ts';
import { Name as TaintTolerationName, newTaintToleration, type TaintTolerationArgs } from './taint-toleration.ts';

/** Builds a plugin from its (optional) args object. */
export type PluginFactory = (args?: unknown) => Plugin;

export const inTreeRegistry: Readonly<Record<string, PluginFactory>> = Object.freeze({
  [NodeUnschedulableName]: () => newNodeUnschedulable(),
  [NodeNameName]: () => newNodeName(),
  [TaintTolerationName]: (args) => newTaintToleration(args as TaintTolerationArgs | undefined),
  [NodeAffinityName]: (args) => newNodeAffinity(args as NodeAffinityArgs | undefined),
  [NodePortsName]: () => newNodePorts(),
  [NodeResourcesFitName]: (args) => newNodeResourcesFit(args as NodeResourcesFitArgs | undefined),
  [DefaultPreemptionName]: (args) => newDefaultPreemption(args as DefaultPreemptionArgs | undefined),
  [BalancedAllocationName]: (args) => newBalancedAllocation(args as BalancedAllocationArgs | undefined),
});

/** One enabled plugin in a profile. `weight` matters for score plugins only (0/absent → 1). */
export interface PluginConfig {
  readonly name: string;
  readonly weight?: number;
  readonly args?: unknown;
}

export interface ProfileConfig {
  readonly schedulerName?: string;
  /** MultiPoint order. Defaults to DEFAULT_PLUGINS. */
  readonly plugins?: readonly PluginConfig[];
  /** Per-plugin args by name, merged over `plugins[].args` (KubeSchedulerConfiguration `pluginConfig`). */
  readonly pluginConfig?: Readonly<Record<string, unknown>>;
  readonly percentageOfNodesToScore?: number;
}

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/**
 * The default profile's plugins in MultiPoint order with their score weights, restricted to the
 * plugins modelled so far. Upstream order (default_plugins.go): SchedulingGates, PrioritySort,
 * NodeUnschedulable, NodeName, TaintToleration(3), NodeAffinity(2), NodePorts,
 * NodeResourcesFit(1), volume plugins, PodTopologySpread(2), InterPodAffinity(2),
 * DefaultPreemption, NodeResourcesBalancedAllocation(1), ImageLocality(1), DefaultBinder.
 * PrioritySort is the queue's order (queue.ts); binding is the actor's.
 */
export const DEFAULT_PLUGINS: readonly PluginConfig[] = Object.freeze([
  { name: NodeUnschedulableName },
  { name: NodeNameName },
  { name: TaintTolerationName, weight: 3 },
  { name: NodeAffinityName, weight: 2 },
  { name: NodePortsName },
  { name: NodeResourcesFitName, weight: 1 },
  { name: DefaultPreemptionName },
  { name: BalancedAllocationName, weight: 1 },
]);

/** Builds a profile from configuration; throws on an unknown plugin name or a duplicate. */
export function buildProfile(config: ProfileConfig = {}, registry: Readonly<Record<string, PluginFactory>> = inTreeRegistry): Profile {
  const plugins: Plugin[] = [];
  const weights: Record<string, number> = {};
  const seen = new Set<string>();
  for (const pc of config.plugins ?? DEFAULT_PLUGINS) {
    const factory = registry[pc.name];
    if (!factory) throw new Error(`scheduler profile "${config.schedulerName ?? DEFAULT_SCHEDULER_NAME}": plugin "${pc.name}" does not exist`);
    if (seen.has(pc.name)) throw new Error(`scheduler profile "${config.schedulerName ?? DEFAULT_SCHEDULER_NAME}": plugin "${pc.name}" is enabled twice`);
    seen.add(pc.name);
    const args = config.pluginConfig?.[pc.name] ?? pc.args;
    const plugin = factory(args);
    plugins.push(plugin);
    if (pc.weight !== undefined) {
      if (!Number.isInteger(pc.weight) || pc.weight < 0 || pc.weight > 100) throw new Error(`plugin "${pc.name}": weight ${pc.weight} must be an integer in 0..100`);
      weights[pc.name] = pc.weight;
    }
  }
  return Object.freeze({
    schedulerName: config.schedulerName ?? DEFAULT_SCHEDULER_NAME,
    plugins: Object.freeze(plugins),
    weights: Object.freeze(weights),
    ...(config.percentageOfNodesToScore !== undefined ? { percentageOfNodesToScore: config.percentageOfNodesToScore } : {}),
  });
}

/** kube-scheduler's default profile (the modelled subset), optionally with a fixed percentageOfNodesToScore. */
export function defaultProfile(overrides: Omit<ProfileConfig, 'plugins'> = {}): Profile {
  return buildProfile({ ...overrides, plugins: DEFAULT_PLUGINS });
}
