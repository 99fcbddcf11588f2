/**
 * In-tree plugin registry and profiles (kube `plugins/registry.go` NewInTreeRegistry,
 * `apis/config/v1/default_plugins.go` and the framework's MultiPoint expansion).
 *
 * A profile is built from data. `buildProfile` takes either
 * - `plugins` as an array: the exact MultiPoint list, in order (kubesim's compact form), or
 * - `plugins` as KubeSchedulerConfiguration's `plugins` object
 *   (`{multiPoint, preFilter, filter, postFilter, preScore, score, ...}` each
 *   `{enabled: [{name, weight}], disabled: [{name}]}`), merged over the default plugins exactly
 *   as kube merges a profile (`mergePlugins` + `expandMultiPointPlugins`: `disabled: [{name: "*"}]`
 *   drops every default at that point, an enabled default keeps its place with the new settings,
 *   other enabled plugins are appended; a plugin enabled at one point overrides its MultiPoint
 *   entry there; score weights come from `score.enabled` first, then MultiPoint, 0 meaning 1).
 * `pluginConfig` is a map name → args or kube's list `[{name, args}]`.
 *
 * Plugins of kube's default profile that kubesim does not model (SchedulingGates, PrioritySort,
 * the volume plugins but VolumeBinding, DynamicResources, DefaultBinder) are accepted by name and ignored; the
 * queue's PrioritySort order and the actor's binding stand in for them.
 */
import type { FieldCause } from '../../api/errors.ts';
import { causeText, invalid, required } from '../../api/labels.ts';
import type { ExtensionPoint, Plugin, Profile } from '../framework/interface.ts';
import { Name as BalancedAllocationName, newBalancedAllocation, type BalancedAllocationArgs } from './balanced-allocation.ts';
import { Name as DefaultPreemptionName, newDefaultPreemption, type DefaultPreemptionArgs } from './default-preemption.ts';
import { Name as ImageLocalityName, newImageLocality } from './image-locality.ts';
import { Name as InterPodAffinityName, newInterPodAffinity, type InterPodAffinityArgs } from './inter-pod-affinity.ts';
import { Name as NodeAffinityName, newNodeAffinity, type NodeAffinityArgs } from './node-affinity.ts';
import { Name as NodeNameName, newNodeName } from './node-name.ts';
import { Name as NodePortsName, newNodePorts } from './node-ports.ts';
import { Name as NodeResourcesFitName, newNodeResourcesFit, type NodeResourcesFitArgs } from './node-resources-fit.ts';
import { Name as NodeUnschedulableName, newNodeUnschedulable } from './node-unschedulable.ts';
import {
  validateBalancedAllocation,
  validateDefaultPreemption,
  validateInterPodAffinity,
  validateNoArgs,
  validateNodeAffinity,
  validateNodeResourcesFit,
  validatePodTopologySpread,
  validateTaintToleration,
  type ArgsValidator,
} from './plugin-args.ts';
import { Name as PodTopologySpreadName, newPodTopologySpread, type PodTopologySpreadArgs } from './pod-topology-spread.ts';
import { Name as TaintTolerationName, newTaintToleration, type TaintTolerationArgs } from './taint-toleration.ts';
import { Name as VolumeBindingName, newVolumeBinding } from './volume-binding.ts';

/** Builds a plugin from its (optional) args object. */
export type PluginFactory = (args?: unknown) => Plugin;

export const inTreeRegistry: Readonly<Record<string, PluginFactory>> = Object.freeze({
  [NodeUnschedulableName]: () => newNodeUnschedulable(),
  [NodeNameName]: () => newNodeName(),
  [TaintTolerationName]: (args) => newTaintToleration(args as TaintTolerationArgs | undefined),
  [NodeAffinityName]: (args) => newNodeAffinity(args as NodeAffinityArgs | undefined),
  [NodePortsName]: () => newNodePorts(),
  [NodeResourcesFitName]: (args) => newNodeResourcesFit(args as NodeResourcesFitArgs | undefined),
  [PodTopologySpreadName]: (args) => newPodTopologySpread(args as PodTopologySpreadArgs | undefined),
  [InterPodAffinityName]: (args) => newInterPodAffinity(args as InterPodAffinityArgs | undefined),
  [DefaultPreemptionName]: (args) => newDefaultPreemption(args as DefaultPreemptionArgs | undefined),
  [BalancedAllocationName]: (args) => newBalancedAllocation(args as BalancedAllocationArgs | undefined),
  [ImageLocalityName]: () => newImageLocality(),
  [VolumeBindingName]: () => newVolumeBinding(),
});

/** Args checks per in-tree plugin (strict: unknown fields are errors). */
export const inTreeArgsValidators: Readonly<Record<string, ArgsValidator>> = Object.freeze({
  [NodeUnschedulableName]: validateNoArgs,
  [NodeNameName]: validateNoArgs,
  [TaintTolerationName]: validateTaintToleration,
  [NodeAffinityName]: validateNodeAffinity,
  [NodePortsName]: validateNoArgs,
  [NodeResourcesFitName]: validateNodeResourcesFit,
  [PodTopologySpreadName]: validatePodTopologySpread,
  [InterPodAffinityName]: validateInterPodAffinity,
  [DefaultPreemptionName]: validateDefaultPreemption,
  [BalancedAllocationName]: validateBalancedAllocation,
  [ImageLocalityName]: validateNoArgs,
  [VolumeBindingName]: validateNoArgs,
});

/** kube plugins kubesim does not model: accepted in configurations, then ignored. */
export const UNMODELLED_PLUGINS: ReadonlySet<string> = new Set([
  'SchedulingGates',
  'PrioritySort',
  'VolumeRestrictions',
  'EBSLimits',
  'GCEPDLimits',
  'NodeVolumeLimits',
  'AzureDiskLimits',
  'CinderLimits',
  'VolumeZone',
  'DynamicResources',
  'DefaultBinder',
]);

/** Every extension point of KubeSchedulerConfiguration `plugins`. */
export const CONFIG_EXTENSION_POINTS = [
  'multiPoint',
  'preEnqueue',
  'queueSort',
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
] as const;
export type ConfigExtensionPoint = (typeof CONFIG_EXTENSION_POINTS)[number];

/** The extension points the framework runs (the others belong to the queue and the binder). */
const MODELLED_POINTS: readonly ExtensionPoint[] = ['preFilter', 'filter', 'postFilter', 'preScore', 'score'];

/** Which extension points each modelled plugin implements upstream (for "does not extend" errors). */
const KUBE_POINTS: Readonly<Record<string, readonly ConfigExtensionPoint[]>> = {
  [NodeUnschedulableName]: ['filter'],
  [NodeNameName]: ['filter'],
  [TaintTolerationName]: ['filter', 'preScore', 'score'],
  [NodeAffinityName]: ['preFilter', 'filter', 'preScore', 'score'],
  [NodePortsName]: ['preFilter', 'filter'],
  [NodeResourcesFitName]: ['preFilter', 'filter', 'preScore', 'score'],
  [PodTopologySpreadName]: ['preFilter', 'filter', 'preScore', 'score'],
  [InterPodAffinityName]: ['preFilter', 'filter', 'preScore', 'score'],
  [DefaultPreemptionName]: ['preEnqueue', 'postFilter'],
  [BalancedAllocationName]: ['preScore', 'score'],
  [ImageLocalityName]: ['score'],
  // Upstream also scores (StorageCapacityScoring, off by default); kubesim's VolumeBinding does not.
  [VolumeBindingName]: ['preFilter', 'filter', 'reserve', 'preBind'],
};

/** One enabled plugin in a profile. `weight` matters for score plugins only (0/absent → 1). */
export interface PluginConfig {
  readonly name: string;
  readonly weight?: number;
  readonly args?: unknown;
}

/** KubeSchedulerConfiguration `PluginSet`. */
export interface PluginSet {
  readonly enabled?: readonly { readonly name: string; readonly weight?: number }[];
  readonly disabled?: readonly { readonly name: string }[];
}

/** KubeSchedulerConfiguration `Plugins`: one PluginSet per extension point. */
export type PluginsConfig = Readonly<Partial<Record<ConfigExtensionPoint, PluginSet>>>;

/** KubeSchedulerConfiguration `PluginConfig`. */
export interface PluginConfigEntry {
  readonly name: string;
  readonly args?: unknown;
}

export interface ProfileConfig {
  readonly schedulerName?: string;
  /**
   * An array: the exact MultiPoint list (defaults are not merged; DEFAULT_PLUGINS when absent).
   * An object: KubeSchedulerConfiguration `plugins`, merged over the default plugins.
   */
  readonly plugins?: readonly PluginConfig[] | PluginsConfig;
  /** Per-plugin args (KubeSchedulerConfiguration `pluginConfig`), as a map or kube's list; wins over `plugins[].args`. */
  readonly pluginConfig?: Readonly<Record<string, unknown>> | readonly PluginConfigEntry[];
  /** 1..100 fixes the percentage; 0 = adaptive; absent = adaptive (or the configuration's global value). */
  readonly percentageOfNodesToScore?: number;
}

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/**
 * The default profile's plugins in MultiPoint order with their score weights
 * (default_plugins.go): SchedulingGates, PrioritySort, NodeUnschedulable, NodeName,
 * TaintToleration(3), NodeAffinity(2), NodePorts, NodeResourcesFit(1), VolumeBinding (the other
 * volume plugins are not modelled),
 * PodTopologySpread(2), InterPodAffinity(2), DefaultPreemption,
 * NodeResourcesBalancedAllocation(1), ImageLocality(1), DefaultBinder — without the ones kubesim
 * does not model (PrioritySort is the queue's order, binding is the actor's).
 */
export const DEFAULT_PLUGINS: readonly PluginConfig[] = Object.freeze([
  { name: NodeUnschedulableName },
  { name: NodeNameName },
  { name: TaintTolerationName, weight: 3 },
  { name: NodeAffinityName, weight: 2 },
  { name: NodePortsName },
  { name: NodeResourcesFitName, weight: 1 },
  { name: VolumeBindingName },
  { name: PodTopologySpreadName, weight: 2 },
  { name: InterPodAffinityName, weight: 2 },
  { name: DefaultPreemptionName },
  { name: BalancedAllocationName, weight: 1 },
  { name: ImageLocalityName, weight: 1 },
]);

/** A configuration problem: where (field path) and what was expected. */
export interface ConfigError {
  readonly path: string;
  readonly message: string;
}

function fromCause(c: FieldCause): ConfigError {
  return { path: c.field, message: c.message };
}

export function configErrorText(e: ConfigError): string {
  return causeText({ field: e.path, reason: '', message: e.message });
}

/** Result of resolving one profile: the profile, or every error found. */
export type ProfileResult = { readonly profile: Profile; readonly warnings: readonly string[] } | { readonly errors: readonly ConfigError[] };

function isPluginList(p: ProfileConfig['plugins']): p is readonly PluginConfig[] {
  return Array.isArray(p);
}

/** pluginConfig in either form as name → args, with errors for malformed or repeated entries. */
function pluginArgs(config: ProfileConfig, path: string, errors: ConfigError[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const pc = config.pluginConfig;
  if (pc === undefined || pc === null) return out;
  if (Array.isArray(pc)) {
    (pc as readonly unknown[]).forEach((entry, i) => {
      const p = `${path}.pluginConfig[${i}]`;
      const name = (entry as { name?: unknown } | null)?.name;
      if (typeof entry !== 'object' || entry === null || typeof name !== 'string' || name === '') {
        errors.push(fromCause(required(`${p}.name`, 'the name of the plugin the args are for')));
        return;
      }
      if (out.has(name)) {
        errors.push({ path: `${p}.name`, message: `Duplicate value: "${name}": repeated config for plugin ${name}` });
        return;
      }
      out.set(name, (entry as { args?: unknown }).args);
    });
    return out;
  }
  if (typeof pc !== 'object') {
    errors.push(fromCause(invalid(`${path}.pluginConfig`, pc, 'must be a list of {name, args}')));
    return out;
  }
  for (const [name, args] of Object.entries(pc as Record<string, unknown>)) out.set(name, args);
  return out;
}

function checkWeight(weight: unknown, path: string, errors: ConfigError[]): void {
  if (weight === undefined) return;
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
    errors.push(fromCause(invalid(path, weight, 'weight must be an integer in 0..100 (0 means 1)')));
  }
}

interface Merged {
  enabled: { name: string; weight?: number; path: string }[];
  disabled: Set<string>;
}

/** kube `mergePluginSet`. */
function mergePluginSet(defaults: readonly { name: string; weight?: number }[], custom: PluginSet | undefined, path: string, errors: ConfigError[]): Merged {
  const disabled = new Set<string>();
  const customEnabled: { name: string; weight?: number; path: string }[] = [];
  if (custom !== undefined && custom !== null) {
    if (typeof custom !== 'object' || Array.isArray(custom)) {
      errors.push(fromCause(invalid(path, custom, 'must be an object {enabled: [{name, weight}], disabled: [{name}]}')));
    } else {
      for (const k of Object.keys(custom)) if (k !== 'enabled' && k !== 'disabled') errors.push({ path: `${path}.${k}`, message: `unknown field "${k}"` });
      const en = custom.enabled ?? [];
      const dis = custom.disabled ?? [];
      if (!Array.isArray(en)) errors.push(fromCause(invalid(`${path}.enabled`, en, 'must be a list of {name, weight}')));
      else
        en.forEach((e: unknown, i) => {
          const p = `${path}.enabled[${i}]`;
          const name = (e as { name?: unknown } | null)?.name;
          if (typeof name !== 'string' || name === '') return void errors.push(fromCause(required(`${p}.name`, 'a plugin name')));
          const weight = (e as { weight?: unknown }).weight;
          checkWeight(weight, `${p}.weight`, errors);
          customEnabled.push({ name, ...(typeof weight === 'number' ? { weight } : {}), path: p });
        });
      if (!Array.isArray(dis)) errors.push(fromCause(invalid(`${path}.disabled`, dis, 'must be a list of {name}')));
      else
        dis.forEach((d: unknown, i) => {
          const name = (d as { name?: unknown } | null)?.name;
          if (typeof name !== 'string' || name === '') errors.push(fromCause(required(`${path}.disabled[${i}].name`, 'a plugin name or "*"')));
          else disabled.add(name);
        });
    }
  }
  const byName = new Map(customEnabled.map((e, i) => [e.name, i] as const));
  const replaced = new Set<number>();
  const enabled: Merged['enabled'] = [];
  if (!disabled.has('*')) {
    for (const d of defaults) {
      if (disabled.has(d.name)) continue;
      const i = byName.get(d.name);
      if (i !== undefined) {
        enabled.push(customEnabled[i]!);
        replaced.add(i);
      } else enabled.push({ ...d, path: '' });
    }
  }
  customEnabled.forEach((e, i) => {
    if (!replaced.has(i)) enabled.push(e);
  });
  return { enabled, disabled };
}

/**
 * Resolves a profile configuration to a Profile, collecting every error (field path + what was
 * expected) instead of stopping at the first. `path` prefixes the field paths (`profiles[0]`).
 */
export function resolveProfile(
  config: ProfileConfig,
  path = 'profile',
  registry: Readonly<Record<string, PluginFactory>> = inTreeRegistry,
  validators: Readonly<Record<string, ArgsValidator>> = inTreeArgsValidators,
): ProfileResult {
  const errors: ConfigError[] = [];
  const warnings: string[] = [];
  const schedulerName = config.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  const args = pluginArgs(config, path, errors);
  const pct = config.percentageOfNodesToScore;
  if (pct !== undefined && (typeof pct !== 'number' || !Number.isInteger(pct) || pct < 0 || pct > 100)) {
    errors.push(fromCause(invalid(`${path}.percentageOfNodesToScore`, pct, 'not in valid range [0-100]')));
  }

  // 1. Which plugins run where, and their weights.
  let order: string[];
  const weights: Record<string, number> = {};
  let extensionPoints: Partial<Record<ExtensionPoint, string[]>> | undefined;
  const listArgs = new Map<string, unknown>();
  const plugins = config.plugins;
  if (plugins === undefined || isPluginList(plugins)) {
    order = [];
    const seen = new Set<string>();
    (plugins ?? DEFAULT_PLUGINS).forEach((pc, i) => {
      const p = `${path}.plugins[${i}]`;
      if (!registry[pc.name]) {
        errors.push({ path: `${p}.name`, message: `scheduler profile "${schedulerName}": plugin "${pc.name}" does not exist` });
        return;
      }
      if (seen.has(pc.name)) {
        errors.push({ path: `${p}.name`, message: `scheduler profile "${schedulerName}": plugin "${pc.name}" is enabled twice` });
        return;
      }
      seen.add(pc.name);
      order.push(pc.name);
      if (pc.args !== undefined) listArgs.set(pc.name, pc.args);
      if (pc.weight !== undefined) {
        if (!Number.isInteger(pc.weight) || pc.weight < 0 || pc.weight > 100) errors.push({ path: `${p}.weight`, message: `plugin "${pc.name}": weight ${pc.weight} must be an integer in 0..100` });
        else weights[pc.name] = pc.weight;
      }
    });
  } else if (typeof plugins !== 'object' || plugins === null) {
    errors.push(fromCause(invalid(`${path}.plugins`, plugins, 'must be an object keyed by extension point (multiPoint, filter, score, ...)')));
    order = [];
  } else {
    for (const k of Object.keys(plugins)) {
      if (!(CONFIG_EXTENSION_POINTS as readonly string[]).includes(k)) errors.push({ path: `${path}.plugins.${k}`, message: `unknown field "${k}": expected one of ${CONFIG_EXTENSION_POINTS.join(', ')}` });
    }
    const merged = {} as Record<ConfigExtensionPoint, Merged>;
    for (const point of CONFIG_EXTENSION_POINTS) {
      merged[point] = mergePluginSet(point === 'multiPoint' ? DEFAULT_PLUGINS : [], plugins[point], `${path}.plugins.${point}`, errors);
    }
    const known = (name: string, p: string): boolean => {
      if (registry[name]) return true;
      if (UNMODELLED_PLUGINS.has(name)) {
        warnings.push(`${p}: plugin "${name}" is not modelled by kubesim; ignored`);
        return false;
      }
      errors.push({ path: p, message: `plugin "${name}" does not exist` });
      return false;
    };
    // Enabled plugins must exist and implement the point they are enabled at.
    const enabledAt = {} as Record<ConfigExtensionPoint, string[]>;
    for (const point of CONFIG_EXTENSION_POINTS) {
      const names: string[] = [];
      for (const e of merged[point].enabled) {
        const p = e.path === '' ? `${path}.plugins.${point}` : `${e.path}.name`;
        if (!known(e.name, p)) continue;
        if (point !== 'multiPoint') {
          const kube = KUBE_POINTS[e.name];
          if (kube && !kube.includes(point)) {
            errors.push({ path: p, message: `plugin "${e.name}" does not extend ${point} plugin` });
            continue;
          }
          if (!(MODELLED_POINTS as readonly string[]).includes(point)) {
            warnings.push(`${p}: the ${point} extension point is not modelled by kubesim; "${e.name}" ignored there`);
            continue;
          }
        }
        if (names.includes(e.name)) {
          errors.push({ path: p, message: `plugin "${e.name}" already registered as "${point}"` });
          continue;
        }
        names.push(e.name);
      }
      enabledAt[point] = names;
    }
    // expandMultiPointPlugins, per modelled point.
    extensionPoints = {};
    for (const point of MODELLED_POINTS) {
      const explicit = enabledAt[point];
      const disabled = merged[point].disabled;
      if (disabled.has('*')) {
        extensionPoints[point] = [...explicit];
        continue;
      }
      const overrides = new Set<string>();
      const multi: string[] = [];
      for (const name of enabledAt.multiPoint) {
        // A plugin outside the table (a custom registry) is offered everywhere; compile() keeps
        // it only where it has the method.
        const kube = KUBE_POINTS[name];
        if (kube !== undefined && !kube.includes(point)) continue;
        if (disabled.has(name)) continue;
        if (explicit.includes(name)) {
          overrides.add(name);
          continue;
        }
        multi.push(name);
      }
      extensionPoints[point] = [...explicit.filter((n) => overrides.has(n)), ...multi, ...explicit.filter((n) => !overrides.has(n))];
    }
    // Score weights: the score point's own weight first, then MultiPoint's (getScoreWeights).
    for (const e of [...merged.score.enabled, ...merged.multiPoint.enabled]) {
      if (!extensionPoints.score!.includes(e.name) || weights[e.name] !== undefined) continue;
      weights[e.name] = e.weight === undefined || e.weight === 0 ? 1 : e.weight;
    }
    // Instantiation order: MultiPoint first, then plugins enabled only at single points.
    order = [];
    for (const name of enabledAt.multiPoint) if (MODELLED_POINTS.some((pt) => extensionPoints![pt]!.includes(name))) order.push(name);
    for (const point of MODELLED_POINTS) for (const name of extensionPoints[point]!) if (!order.includes(name)) order.push(name);
  }

  for (const name of args.keys()) {
    if (!order.includes(name) && !UNMODELLED_PLUGINS.has(name)) warnings.push(`${path}.pluginConfig: args for plugin "${name}", which the profile does not enable`);
  }

  // 2. Args: validate, then build.
  const built: Plugin[] = [];
  for (const name of order) {
    const a = args.has(name) ? args.get(name) : listArgs.get(name);
    const argsPath = args.has(name) && Array.isArray(config.pluginConfig) ? `${path}.pluginConfig[${(config.pluginConfig as readonly PluginConfigEntry[]).findIndex((e) => e.name === name)}].args` : `${path}.pluginConfig.${name}`;
    const validate = validators[name];
    const causes = validate ? validate(a, argsPath) : [];
    if (causes.length > 0) {
      errors.push(...causes.map(fromCause));
      continue;
    }
    if (errors.length > 0) continue;
    try {
      built.push(registry[name]!(a));
    } catch (e) {
      errors.push({ path: argsPath, message: e instanceof Error ? e.message : String(e) });
    }
  }
  if (errors.length > 0) return { errors };
  const profile: Profile = Object.freeze({
    schedulerName,
    plugins: Object.freeze(built),
    weights: Object.freeze(weights),
    ...(extensionPoints ? { extensionPoints: Object.freeze(Object.fromEntries(Object.entries(extensionPoints).map(([k, v]) => [k, Object.freeze(v)]))) } : {}),
    ...(pct !== undefined ? { percentageOfNodesToScore: pct } : {}),
  });
  return { profile, warnings };
}

/** Builds a profile from configuration; throws on any error (all of them, one per line). */
export function buildProfile(config: ProfileConfig = {}, registry: Readonly<Record<string, PluginFactory>> = inTreeRegistry): Profile {
  const r = resolveProfile(config, 'profile', registry);
  if ('errors' in r) throw new Error(r.errors.map((e) => (e.message.startsWith('scheduler profile') || e.message.startsWith('plugin "') ? e.message : configErrorText(e))).join('\n'));
  return r.profile;
}

/** kube-scheduler's default profile (the modelled plugins), optionally with a fixed percentageOfNodesToScore or plugin args. */
export function defaultProfile(overrides: Omit<ProfileConfig, 'plugins'> = {}): Profile {
  return buildProfile({ ...overrides, plugins: DEFAULT_PLUGINS });
}
