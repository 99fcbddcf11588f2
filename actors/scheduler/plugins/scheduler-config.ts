/**
 * `parseSchedulerConfiguration`: a KubeSchedulerConfiguration object (as decoded from YAML or
 * JSON, `kubescheduler.config.k8s.io/v1`) → one Profile per `profiles[]` entry, or every error
 * with its field path and what was expected.
 *
 *   apiVersion: kubescheduler.config.k8s.io/v1
 *   kind: KubeSchedulerConfiguration
 *   percentageOfNodesToScore: 50          # global; a profile's own value wins
 *   profiles:
 *   - schedulerName: default-scheduler
 *     percentageOfNodesToScore: 0
 *     plugins:
 *       score:
 *         enabled: [{name: NodeResourcesFit, weight: 5}]
 *         disabled: [{name: ImageLocality}]
 *     pluginConfig:
 *     - name: NodeResourcesFit
 *       args:
 *         scoringStrategy:
 *           type: RequestedToCapacityRatio
 *           resources: [{name: cpu, weight: 1}]
 *           requestedToCapacityRatio: {shape: [{utilization: 0, score: 0}, {utilization: 100, score: 10}]}
 *
 * Defaults as kube v1: no `profiles` → one default profile; a single profile without a name is
 * `default-scheduler`; with several, each needs a distinct name. Plugins are merged over the
 * default set (see `registry.ts`). Fields kube has but kubesim does not model (leaderElection,
 * clientConnection, parallelism, extenders, ...) are accepted and reported in `warnings`; an
 * unknown field is an error, as kube's strict decoding makes it.
 */
import type { Profile } from '../framework/interface.ts';
import { DEFAULT_SCHEDULER_NAME, resolveProfile, type ConfigError, type PluginConfigEntry, type PluginsConfig } from './registry.ts';

export const SCHEDULER_CONFIG_API_VERSION = 'kubescheduler.config.k8s.io/v1';
export const SCHEDULER_CONFIG_KIND = 'KubeSchedulerConfiguration';

/** KubeSchedulerConfiguration `profiles[]` entry. */
export interface KubeSchedulerProfile {
  readonly schedulerName?: string;
  readonly percentageOfNodesToScore?: number;
  readonly plugins?: PluginsConfig;
  readonly pluginConfig?: readonly PluginConfigEntry[];
}

/** The parts of KubeSchedulerConfiguration kubesim reads. */
export interface KubeSchedulerConfiguration {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly percentageOfNodesToScore?: number;
  readonly podInitialBackoffSeconds?: number;
  readonly podMaxBackoffSeconds?: number;
  readonly profiles?: readonly KubeSchedulerProfile[];
}

export interface SchedulerConfiguration {
  /** One per `profiles[]` entry, in order, each with its effective percentageOfNodesToScore. */
  readonly profiles: readonly Profile[];
  /** The global percentageOfNodesToScore (absent = adaptive). */
  readonly percentageOfNodesToScore?: number;
  /** Queue backoff (kube defaults 1 s and 10 s); absent when not configured. */
  readonly podInitialBackoffSeconds?: number;
  readonly podMaxBackoffSeconds?: number;
  /** Accepted but not modelled: fields and plugins kubesim ignores. */
  readonly warnings: readonly string[];
}

export type ParseSchedulerConfigurationResult =
  | { readonly ok: true; readonly config: SchedulerConfiguration }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

/** Top-level fields kube defines that do not change kubesim's scheduling decisions. */
const IGNORED_TOP_LEVEL = new Set([
  'parallelism',
  'leaderElection',
  'clientConnection',
  'healthzBindAddress',
  'metricsBindAddress',
  'enableProfiling',
  'enableContentionProfiling',
  'extenders',
  'delayCacheUntilActive',
  'featureGates',
]);
const TOP_LEVEL = new Set(['apiVersion', 'kind', 'percentageOfNodesToScore', 'podInitialBackoffSeconds', 'podMaxBackoffSeconds', 'profiles', ...IGNORED_TOP_LEVEL]);
const PROFILE_FIELDS = new Set(['schedulerName', 'percentageOfNodesToScore', 'plugins', 'pluginConfig']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
}

/** Parses and validates a KubeSchedulerConfiguration; never throws. */
export function parseSchedulerConfiguration(obj: unknown): ParseSchedulerConfigurationResult {
  const errors: ConfigError[] = [];
  const warnings: string[] = [];
  if (!isObject(obj)) return { ok: false, errors: [{ path: '', message: `Invalid value: ${show(obj)}: expected a KubeSchedulerConfiguration object` }] };

  for (const k of Object.keys(obj)) {
    if (!TOP_LEVEL.has(k)) errors.push({ path: k, message: `unknown field "${k}"` });
    else if (IGNORED_TOP_LEVEL.has(k)) warnings.push(`${k}: not modelled by kubesim; ignored`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== SCHEDULER_CONFIG_API_VERSION) {
    errors.push({ path: 'apiVersion', message: `Unsupported value: ${show(obj.apiVersion)}: supported values: "${SCHEDULER_CONFIG_API_VERSION}"` });
  }
  if (obj.kind !== undefined && obj.kind !== SCHEDULER_CONFIG_KIND) {
    errors.push({ path: 'kind', message: `Unsupported value: ${show(obj.kind)}: supported values: "${SCHEDULER_CONFIG_KIND}"` });
  }
  const global = obj.percentageOfNodesToScore;
  if (global !== undefined && (typeof global !== 'number' || !Number.isInteger(global) || global < 0 || global > 100)) {
    errors.push({ path: 'percentageOfNodesToScore', message: `Invalid value: ${show(global)}: not in valid range [0-100]` });
  }
  for (const k of ['podInitialBackoffSeconds', 'podMaxBackoffSeconds'] as const) {
    const v = obj[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)) errors.push({ path: k, message: `Invalid value: ${show(v)}: must be greater than 0` });
  }
  const initial = obj.podInitialBackoffSeconds;
  const max = obj.podMaxBackoffSeconds;
  if (typeof initial === 'number' && typeof max === 'number' && max < initial) {
    errors.push({ path: 'podMaxBackoffSeconds', message: `Invalid value: ${max}: must be greater than or equal to PodInitialBackoffSeconds` });
  }

  let profilesIn: unknown[] = [{}];
  if (obj.profiles !== undefined) {
    if (!Array.isArray(obj.profiles)) errors.push({ path: 'profiles', message: `Invalid value: ${show(obj.profiles)}: expected a list of profiles` });
    else if (obj.profiles.length === 0) errors.push({ path: 'profiles', message: 'Required value: at least one profile is required' });
    else profilesIn = obj.profiles;
  }

  const names = new Set<string>();
  const profiles: Profile[] = [];
  profilesIn.forEach((raw, i) => {
    const path = `profiles[${i}]`;
    if (!isObject(raw)) {
      errors.push({ path, message: `Invalid value: ${show(raw)}: expected a profile object {schedulerName, plugins, pluginConfig}` });
      return;
    }
    for (const k of Object.keys(raw)) if (!PROFILE_FIELDS.has(k)) errors.push({ path: `${path}.${k}`, message: `unknown field "${k}"` });
    let name = raw.schedulerName;
    if (name === undefined && profilesIn.length === 1) name = DEFAULT_SCHEDULER_NAME;
    if (typeof name !== 'string' || name === '') {
      errors.push({ path: `${path}.schedulerName`, message: 'Required value: every profile needs a schedulerName when there are several' });
      name = `<profiles[${i}]>`; // keep validating the rest of the profile
    } else {
      if (names.has(name)) errors.push({ path: `${path}.schedulerName`, message: `Duplicate value: ${show(name)}` });
      names.add(name);
    }
    if (raw.plugins !== undefined && !isObject(raw.plugins)) {
      errors.push({ path: `${path}.plugins`, message: `Invalid value: ${show(raw.plugins)}: expected an object keyed by extension point (multiPoint, filter, score, ...)` });
      return;
    }
    if (raw.pluginConfig !== undefined && !Array.isArray(raw.pluginConfig)) {
      errors.push({ path: `${path}.pluginConfig`, message: `Invalid value: ${show(raw.pluginConfig)}: expected a list of {name, args}` });
      return;
    }
    const own = raw.percentageOfNodesToScore;
    // A profile's own value wins (0 included: adaptive); else the global one, when valid.
    const globalOk = typeof global === 'number' && Number.isInteger(global) && global >= 0 && global <= 100;
    const pct = own !== undefined ? own : globalOk ? global : undefined;
    const r = resolveProfile(
      {
        schedulerName: name as string,
        plugins: (raw.plugins ?? {}) as PluginsConfig,
        ...(raw.pluginConfig !== undefined ? { pluginConfig: raw.pluginConfig as readonly PluginConfigEntry[] } : {}),
        ...(pct !== undefined ? { percentageOfNodesToScore: pct as number } : {}),
      },
      path,
    );
    if ('errors' in r) {
      errors.push(...r.errors);
      return;
    }
    warnings.push(...r.warnings);
    profiles.push(r.profile);
  });

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      profiles,
      ...(typeof global === 'number' ? { percentageOfNodesToScore: global } : {}),
      ...(typeof initial === 'number' ? { podInitialBackoffSeconds: initial } : {}),
      ...(typeof max === 'number' ? { podMaxBackoffSeconds: max } : {}),
      warnings,
    },
  };
}
