/**
 * Version conversion: the apiserver stores each resource in one version (resources.ts
 * `storageApiVersion`) and serves it in whichever version a client asks for.
 *
 * Modeled pairs:
 * - Deployment and ReplicaSet, `extensions/v1beta1` ↔ `apps/v1` (pkg/apis/apps/v1/conversion.go).
 *   The fields are the same; the one lossy difference is the deprecated `spec.rollbackTo`, which
 *   apps/v1 carries in the annotation `deprecated.deployment.rollback.to` so a round trip keeps it.
 * - Event, `v1` ↔ `events.k8s.io/v1` (pkg/apis/events/v1/conversion.go): involvedObject ↔
 *   regarding, message ↔ note, source ↔ deprecatedSource, count/firstTimestamp/lastTimestamp ↔
 *   deprecatedCount/..., reportingComponent ↔ reportingController.
 *
 * What differs between extensions/v1beta1 and apps/v1 is defaulting, which happens when a
 * request is decoded in its own version, before conversion (`defaultsFor`):
 * - extensions/v1beta1: an absent `spec.selector` (and absent `metadata.labels`) default to the
 *   template's labels; rollingUpdate 1/1; revisionHistoryLimit and progressDeadlineSeconds default
 *   to MaxInt32, which every controller reads as "unset" (keep everything, never time out).
 * - apps/v1: no selector defaulting, so a Deployment without one fails validation with
 *   `spec.selector: Required value`; rollingUpdate 25%/25%; 10 revisions; 600 s deadline.
 */

import type { KubeObject } from './protocol.ts';
import { cloneJson } from './clone-json.ts';

/** math.MaxInt32: what extensions/v1beta1 stores for "no limit". */
export const MAX_INT32 = 2_147_483_647;

/** The annotation apps/v1 uses to carry extensions/v1beta1's spec.rollbackTo.revision. */
export const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';

/** Version-specific defaults for Deployment and ReplicaSet (ReplicaSet uses replicas and the selector rule). */
export interface WorkloadDefaults {
  readonly apiVersion: string;
  /** Absent spec.selector ← {matchLabels: template labels}; absent metadata.labels ← template labels. */
  readonly selectorFromTemplateLabels: boolean;
  readonly replicas: number;
  readonly strategyType: 'RollingUpdate';
  readonly maxSurge: number | string;
  readonly maxUnavailable: number | string;
  readonly revisionHistoryLimit: number;
  readonly progressDeadlineSeconds: number;
}

const WORKLOAD_DEFAULTS: Readonly<Record<string, WorkloadDefaults>> = {
  'apps/v1': {
    apiVersion: 'apps/v1',
    selectorFromTemplateLabels: false,
    replicas: 1,
    strategyType: 'RollingUpdate',
    maxSurge: '25%',
    maxUnavailable: '25%',
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  },
  'extensions/v1beta1': {
    apiVersion: 'extensions/v1beta1',
    selectorFromTemplateLabels: true,
    replicas: 1,
    strategyType: 'RollingUpdate',
    maxSurge: 1,
    maxUnavailable: 1,
    revisionHistoryLimit: MAX_INT32,
    progressDeadlineSeconds: MAX_INT32,
  },
};

/** The Deployment/ReplicaSet defaults of a served workload version; undefined for other versions. */
export function defaultsFor(apiVersion: string): WorkloadDefaults | undefined {
  return WORKLOAD_DEFAULTS[apiVersion];
}

export interface ConversionError {
  readonly error: string;
}

export function isConversionError(value: KubeObject | ConversionError): value is ConversionError {
  return typeof (value as ConversionError).error === 'string' && (value as KubeObject).kind === undefined;
}

/** The versions each kind can be converted between (any two in one list). */
const CONVERTIBLE: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['apps/v1', 'extensions/v1beta1'],
  ReplicaSet: ['apps/v1', 'extensions/v1beta1'],
  Event: ['v1', 'events.k8s.io/v1'],
};

function clone<T>(value: T): T {
  return cloneJson(value);
}

function rec(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Rebuilds `obj` with `renames` (from → to) applied to its top-level keys, keeping key order. */
function renameKeys(obj: KubeObject, renames: Readonly<Record<string, string>>): KubeObject {
  const out: KubeObject = {};
  for (const [k, v] of Object.entries(obj)) out[renames[k] ?? k] = v;
  return out;
}

const EVENT_CORE_TO_EVENTS: Readonly<Record<string, string>> = {
  involvedObject: 'regarding',
  message: 'note',
  source: 'deprecatedSource',
  firstTimestamp: 'deprecatedFirstTimestamp',
  lastTimestamp: 'deprecatedLastTimestamp',
  count: 'deprecatedCount',
  reportingComponent: 'reportingController',
};
const EVENT_EVENTS_TO_CORE: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(EVENT_CORE_TO_EVENTS).map(([core, events]) => [events, core]),
);

function deploymentToExtensions(obj: KubeObject): KubeObject | ConversionError {
  const annotations = obj.metadata?.annotations;
  const revision = annotations?.[DEPRECATED_ROLLBACK_TO];
  const spec = rec(obj['spec']);
  if (spec) delete spec['rollbackTo'];
  if (revision !== undefined && revision !== '') {
    if (!/^[+-]?\d+$/.test(revision)) {
      // text unverified: strconv's own error text follows in Go ("strconv.ParseInt: parsing ...").
      return { error: `failed to parse annotation[${DEPRECATED_ROLLBACK_TO}]=${revision} as int64` };
    }
    if (spec) spec['rollbackTo'] = { revision: Number(revision) };
    delete annotations![DEPRECATED_ROLLBACK_TO];
    if (Object.keys(annotations!).length === 0) delete obj.metadata!.annotations;
  }
  return obj;
}

function deploymentToApps(obj: KubeObject): KubeObject {
  const spec = rec(obj['spec']);
  const rollbackTo = rec(spec?.['rollbackTo']);
  const meta = (obj.metadata ??= {});
  if (rollbackTo) {
    meta.annotations = { ...(meta.annotations ?? {}), [DEPRECATED_ROLLBACK_TO]: String(rollbackTo['revision'] ?? 0) };
  } else if (meta.annotations) {
    delete meta.annotations[DEPRECATED_ROLLBACK_TO];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  if (spec) delete spec['rollbackTo'];
  return obj;
}

/**
 * Converts `obj` (whose apiVersion says where it is) to `toApiVersion`, returning a new object.
 * Same version: a copy. Unconvertible pairs: `{ error }`.
 */
export function convert(obj: KubeObject, toApiVersion: string): KubeObject | ConversionError {
  const from = obj.apiVersion ?? '';
  const kind = obj.kind ?? '';
  if (from === toApiVersion) return clone(obj);
  const versions = CONVERTIBLE[kind];
  if (!versions || !versions.includes(from) || !versions.includes(toApiVersion)) {
    // text unverified: Go's NotRegisteredErr also names the scheme.
    return { error: `no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(toApiVersion)}` };
  }
  const out = clone(obj);
  out.apiVersion = toApiVersion;
  if (kind === 'Deployment') return toApiVersion === 'extensions/v1beta1' ? deploymentToExtensions(out) : deploymentToApps(out);
  if (kind === 'Event') return renameKeys(out, toApiVersion === 'events.k8s.io/v1' ? EVENT_CORE_TO_EVENTS : EVENT_EVENTS_TO_CORE);
  // ReplicaSet: identical fields in both versions.
  return out;
}
