/**
 * Create and update validation for the fields kubesim models, returning `FieldCause[]` with the
 * field paths and messages of kube-apiserver (kubernetes pkg/apis/core/validation,
 * pkg/apis/apps/validation, apimachinery pkg/api/validation). The apiserver turns a non-empty
 * list into a 422 with errors.ts `invalid(kind, group, name, causes)`.
 *
 * Inputs are objects after defaulting, conversion to the storage version and prepareForCreate
 * (defaults.ts), the way the registry sees them: validation reads `spec.selector` of an
 * apps/v1 Deployment, so an extensions/v1beta1 one has already had its selector defaulted.
 *
 * Two request failures are not field causes and have their own helpers:
 * - `decodeError`: a quantity that does not parse fails decoding, a 400 BadRequest, before any
 *   validation runs.
 * - `resourceVersionSetOnCreate`: a create carrying a resourceVersion passes validation and
 *   admission and is then refused by the storage layer with a raw error, which the apiserver
 *   answers as 500 with reason "" (StatusReasonUnknown), not 400 or 422 (apiserver
 *   pkg/storage/etcd3/store.go Create; observed clients report code=500).
 *
 * Causes come out in the order Go appends them; Go iterates maps in random order, so wherever
 * it walks a map (labels, resource lists) this file walks the keys sorted.
 *
 * Texts were checked against the Go sources; the few that were not are marked `text unverified`.
 */

import type { FieldCause } from './errors.ts';
import type { KubeObject, ObjectMeta } from './protocol.ts';
import { QuantityError, parseQuantityMilli } from './quantity.ts';
import {
  byteLength,
  duplicate,
  forbidden,
  goStruct,
  invalid,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  matches,
  notSupported,
  required,
  selectorFromLabelSelector,
  tooLong,
  validateLabelSelector,
  validateLabels,
  type LabelSelector,
} from './labels.ts';
import { lookupByKind, parseApiVersion } from './resources.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const rec = (v: unknown): Json => (isObject(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const strMap = (v: unknown): Record<string, string> | undefined => (isObject(v) ? (v as Record<string, string>) : undefined);

const IS_NEGATIVE = 'must be greater than or equal to 0';
const FIELD_IMMUTABLE = 'field is immutable';
const MAX_INT32 = 2_147_483_647;

export interface ValidationOptions {
  /**
   * The apiVersion the request was made in. A Deployment's or ReplicaSet's selector is
   * immutable except through extensions/v1beta1 (and the unmodeled apps/v1beta1).
   */
  readonly requestApiVersion?: string;
  /** Validate an update of the status subresource instead of the main resource. */
  readonly subresource?: 'status';
}

// ---------------------------------------------------------------------------------------------
// Names and metadata (apimachinery pkg/api/validation/objectmeta.go, generic.go)
// ---------------------------------------------------------------------------------------------

/** A ValidateNameFunc: `prefix` is true for generateName, which may end in a dash. */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** Go's maskTrailingDash, bug included: it drops two characters, not one, before appending "a". */
function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
}

export const nameIsDNSSubdomain: NameValidator = (name, prefix) => isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
export const nameIsDNSLabel: NameValidator = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);
export const nameIsDNS1035Label: NameValidator = (name, prefix) => isDNS1035Label(prefix ? maskTrailingDash(name) : name);
/** path.ValidatePathSegmentName (RBAC objects): anything but ".", ".." and names holding "/" or "%". */
export const nameIsPathSegment: NameValidator = (name, prefix) => {
  if (!prefix && (name === '.' || name === '..')) return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
};

/** The name rule each kind's strategy applies. */
export function nameValidatorFor(kind: string): NameValidator {
  switch (kind) {
    case 'Namespace':
      return nameIsDNSLabel;
    case 'Service':
      return nameIsDNS1035Label;
    case 'Role':
    case 'ClusterRole':
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return nameIsPathSegment;
    default:
      return nameIsDNSSubdomain;
  }
}

const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const keys = Object.keys(annotations ?? {}).sort();
  for (const k of keys) for (const msg of isQualifiedName(k.toLowerCase())) causes.push(invalid(path, k, msg));
  let size = 0;
  for (const k of keys) size += byteLength(k) + byteLength(annotations![k] ?? '');
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) causes.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return causes;
}

function validateOwnerReferences(refs: ObjectMeta['ownerReferences'], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  let firstController = '';
  (refs ?? []).forEach((ref, i) => {
    const p = `${path}[${i}]`;
    const gv = parseApiVersion(ref.apiVersion ?? '');
    if (!ref.apiVersion) causes.push(required(`${p}.apiVersion`, 'must not be empty'));
    else if (gv.version === '' || ref.apiVersion.split('/').length > 2) causes.push(invalid(`${p}.apiVersion`, ref.apiVersion, 'must be <group>/<version> or <version>'));
    if (!ref.kind) causes.push(required(`${p}.kind`, 'must not be empty'));
    if (!ref.name) causes.push(required(`${p}.name`, 'must not be empty'));
    if (!ref.uid) causes.push(required(`${p}.uid`, 'must not be empty'));
    if (gv.group === '' && gv.version === 'v1' && ref.kind === 'Event') {
      // text unverified: Go prints the reference struct and the GVK with %s ("/v1, Kind=Event").
      causes.push(invalid(p, goStruct({ ...ref }), '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const name = `${ref.kind}/${ref.name}`;
      if (firstController !== '') {
        causes.push(
          invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`),
        );
      } else firstController = name;
    }
  });
  return causes;
}

function validateFinalizers(finalizers: readonly string[] | undefined, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  for (const f of finalizers ?? []) for (const msg of isQualifiedName(f)) causes.push(invalid(path, f, msg));
  if (finalizers?.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    causes.push(invalid(path, [...finalizers], 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return causes;
}

/** ValidateObjectMeta / ValidateObjectMetaAccessor for a create. */
export function validateObjectMeta(meta: ObjectMeta | undefined, namespaced: boolean, nameFn: NameValidator, path = 'metadata'): FieldCause[] {
  const m = meta ?? {};
  const causes: FieldCause[] = [];
  const generateName = m.generateName ?? '';
  if (generateName !== '') for (const msg of nameFn(generateName, true)) causes.push(invalid(`${path}.generateName`, generateName, msg));
  const name = m.name ?? '';
  if (name === '') causes.push(required(`${path}.name`, 'name or generateName is required'));
  else for (const msg of nameFn(name, false)) causes.push(invalid(`${path}.name`, name, msg));
  const namespace = m.namespace ?? '';
  if (namespaced) {
    if (namespace === '') causes.push(required(`${path}.namespace`));
    else for (const msg of nameIsDNSLabel(namespace, false)) causes.push(invalid(`${path}.namespace`, namespace, msg));
  } else if (namespace !== '') {
    causes.push(forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if ((m.generation ?? 0) < 0) causes.push(invalid(`${path}.generation`, m.generation, IS_NEGATIVE));
  causes.push(...validateLabels(m.labels, `${path}.labels`));
  causes.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  causes.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  causes.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  return causes;
}

/** ValidateObjectMetaUpdate. */
export function validateObjectMetaUpdate(newMeta: ObjectMeta | undefined, oldMeta: ObjectMeta | undefined, path = 'metadata'): FieldCause[] {
  const n = newMeta ?? {};
  const o = oldMeta ?? {};
  const causes: FieldCause[] = [];
  if (o.deletionTimestamp) {
    const oldSet = new Set(o.finalizers ?? []);
    const extra = [...new Set((n.finalizers ?? []).filter((f) => !oldSet.has(f)))].sort();
    if (extra.length > 0) {
      causes.push(
        forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  // The registry fills an unconditional update's resourceVersion from the stored object first.
  if (!n.resourceVersion) causes.push(invalid(`${path}.resourceVersion`, n.resourceVersion ?? '', 'must be specified for an update'));
  if ((n.generation ?? 0) < 0) causes.push(invalid(`${path}.generation`, n.generation, IS_NEGATIVE));
  if ((n.generation ?? 0) < (o.generation ?? 0)) causes.push(invalid(`${path}.generation`, n.generation ?? 0, 'must not be decremented'));
  const immutable = (field: keyof ObjectMeta, fallback: unknown): void => {
    const a = n[field] ?? fallback;
    const b = o[field] ?? fallback;
    if (a !== b) causes.push(invalid(`${path}.${String(field)}`, a, FIELD_IMMUTABLE));
  };
  immutable('name', '');
  immutable('namespace', '');
  immutable('uid', '');
  immutable('creationTimestamp', null);
  immutable('deletionTimestamp', null);
  immutable('deletionGracePeriodSeconds', null);
  causes.push(...validateLabels(n.labels, `${path}.labels`));
  causes.push(...validateAnnotations(n.annotations, `${path}.annotations`));
  causes.push(...validateOwnerReferences(n.ownerReferences, `${path}.ownerReferences`));
  return causes;
}

// ---------------------------------------------------------------------------------------------
// Quantities
// ---------------------------------------------------------------------------------------------

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
const DECIMAL_SUFFIX: Readonly<Record<number, string>> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/**
 * resource.Quantity.String(): the canonical form Go prints in messages ("2000m" → "2",
 * "1000" → "1k", "1.5Gi" → "1536Mi"). Precision stops at milli-units (quantity.ts), so a
 * nano- or micro-unit quantity prints rounded up to "m". Unparseable input comes back as is.
 */
export function canonicalQuantity(text: string | number): string {
  const s = String(text).trim();
  const m = QUANTITY_RE.exec(s);
  let milli: bigint;
  try {
    milli = parseQuantityMilli(s);
  } catch {
    return s;
  }
  if (!m || milli === 0n) return m ? '0' : s;
  const negative = milli < 0n;
  let abs = negative ? -milli : milli;
  const suffix = m[3];
  const binary = suffix !== undefined && suffix.endsWith('i');
  const exponentForm = m[4] !== undefined;
  const sign = negative ? '-' : '';
  if (binary && abs >= 1_024_000n && abs % 1000n === 0n) {
    let units = abs / 1000n;
    let exp = 0;
    while (units % 1024n === 0n && exp < 6) {
      units /= 1024n;
      exp++;
    }
    return `${sign}${units}${BINARY_SUFFIX[exp]}`;
  }
  let exp10 = -3;
  while (abs % 1000n === 0n && exp10 < 18) {
    abs /= 1000n;
    exp10 += 3;
  }
  if (exponentForm) return `${sign}${abs}${exp10 === 0 ? '' : `e${exp10}`}`;
  return `${sign}${abs}${DECIMAL_SUFFIX[exp10] ?? ''}`;
}

const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function quantityParses(value: unknown): boolean {
  if (typeof value !== 'string' && typeof value !== 'number') return false;
  try {
    parseQuantityMilli(value);
    return true;
  } catch (e) {
    if (e instanceof QuantityError) return false;
    throw e;
  }
}

/** Every resource list an object of `kind` carries. */
function resourceLists(obj: KubeObject): unknown[] {
  const lists: unknown[] = [];
  const fromPodSpec = (spec: unknown): void => {
    for (const key of ['initContainers', 'containers']) {
      for (const c of arr(rec(spec)[key])) {
        const r = rec(rec(c)['resources']);
        lists.push(r['requests'], r['limits']);
      }
    }
  };
  const spec = rec(obj['spec']);
  switch (obj.kind) {
    case 'Pod':
      fromPodSpec(spec);
      break;
    case 'Deployment':
    case 'ReplicaSet':
      fromPodSpec(rec(spec['template'])['spec']);
      break;
    case 'ResourceQuota':
      lists.push(spec['hard'], rec(obj['status'])['hard'], rec(obj['status'])['used']);
      break;
    case 'LimitRange':
      for (const item of arr(spec['limits'])) {
        const i = rec(item);
        lists.push(i['max'], i['min'], i['default'], i['defaultRequest'], i['maxLimitRequestRatio']);
      }
      break;
    case 'Node':
      lists.push(rec(obj['status'])['capacity'], rec(obj['status'])['allocatable']);
      break;
  }
  return lists;
}

/**
 * The 400 BadRequest text when a quantity in `obj` cannot be decoded, as the apiserver's
 * decoder reports it (endpoints/handlers/rest.go): `Pod in version "v1" cannot be handled as a
 * Pod: quantities must match the regular expression '...'`. Undefined when every quantity parses.
 */
export function decodeError(obj: KubeObject): string | undefined {
  for (const list of resourceLists(obj)) {
    if (list === undefined || list === null) continue;
    for (const value of Object.values(rec(list))) {
      if (!quantityParses(value)) {
        const kind = obj.kind ?? '';
        const { version } = parseApiVersion(obj.apiVersion ?? '');
        return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ${QUANTITY_FORMAT_ERROR}`;
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Pods (pkg/apis/core/validation/validation.go)
// ---------------------------------------------------------------------------------------------

const SUPPORTED_PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PORT_RANGE = 'must be between 1 and 65535, inclusive';

function isValidPortNum(port: unknown): boolean {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** validation.IsValidPortName. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (byteLength(port) > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** ValidatePortNumOrName for an IntOrString. */
function validatePortNumOrName(port: unknown, path: string): FieldCause[] {
  if (typeof port === 'number') return isValidPortNum(port) ? [] : [invalid(path, port, PORT_RANGE)];
  if (typeof port === 'string') return isValidPortName(port).map((msg) => invalid(path, port, msg));
  return [invalid(path, port ?? null, 'must be an integer or a port name')]; // text unverified: Go reports an InternalError here
}

/** validateContainerPorts. The messages are the verified helpers'; the order of checks is from memory. */
function validateContainerPorts(ports: unknown[], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const names = new Set<string>();
  ports.forEach((raw, i) => {
    const p = rec(raw);
    const idx = `${path}[${i}]`;
    const name = str(p['name']);
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const msg of msgs) causes.push(invalid(`${idx}.name`, name, msg));
      else if (names.has(name)) causes.push(duplicate(`${idx}.name`, name));
      else names.add(name);
    }
    const containerPort = num(p['containerPort']) ?? 0;
    if (containerPort === 0) causes.push(required(`${idx}.containerPort`));
    else if (!isValidPortNum(containerPort)) causes.push(invalid(`${idx}.containerPort`, containerPort, PORT_RANGE));
    const hostPort = num(p['hostPort']) ?? 0;
    if (hostPort !== 0 && !isValidPortNum(hostPort)) causes.push(invalid(`${idx}.hostPort`, hostPort, PORT_RANGE));
    const protocol = str(p['protocol']);
    if (protocol === '') causes.push(required(`${idx}.protocol`));
    else if (!SUPPORTED_PORT_PROTOCOLS.includes(protocol)) causes.push(notSupported(`${idx}.protocol`, protocol, SUPPORTED_PORT_PROTOCOLS));
  });
  return causes;
}

/** Resources whose quantities must be whole numbers (helper.IsIntegerResourceName). */
function isIntegerResourceName(name: string): boolean {
  const standard = [
    'pods',
    'services',
    'replicationcontrollers',
    'resourcequotas',
    'secrets',
    'configmaps',
    'persistentvolumeclaims',
    'services.nodeports',
    'services.loadbalancers',
  ];
  if (standard.includes(name) || name.startsWith('count/')) return true;
  // Extended resources (a domain-qualified name outside kubernetes.io, not requests.*) are integers.
  return name.includes('/') && !name.startsWith('requests.') && !name.split('/')[0]!.endsWith('kubernetes.io');
}

/** ValidateResourceQuantityValue: not negative; whole for integer resources. Unparseable values are decodeError's. */
function validateQuantityValue(name: string, value: unknown, path: string): FieldCause[] {
  if (!quantityParses(value)) return [];
  const milli = parseQuantityMilli(value as string | number);
  const shown = canonicalQuantity(value as string | number);
  const causes: FieldCause[] = [];
  if (milli < 0n) causes.push(invalid(path, shown, IS_NEGATIVE));
  if (isIntegerResourceName(name) && milli % 1000n !== 0n) causes.push(invalid(path, shown, 'must be an integer'));
  return causes;
}

/** validateResourceRequirements for one container (claims and hugepages not modeled). */
function validateResourceRequirements(resources: Json, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const limits = rec(resources['limits']);
  const requests = rec(resources['requests']);
  const limPath = `${path}.limits`;
  const reqPath = `${path}.requests`;
  for (const name of Object.keys(limits).sort()) causes.push(...validateQuantityValue(name, limits[name], `${limPath}[${name}]`));
  for (const name of Object.keys(requests).sort()) {
    const value = requests[name];
    causes.push(...validateQuantityValue(name, value, `${reqPath}[${name}]`));
    if (!quantityParses(value)) continue;
    const limit = limits[name];
    const overcommitAllowed = !name.startsWith('hugepages-') && !(name.includes('/') && !name.split('/')[0]!.endsWith('kubernetes.io'));
    if (limit !== undefined && quantityParses(limit)) {
      const req = parseQuantityMilli(value as string | number);
      const lim = parseQuantityMilli(limit as string | number);
      const shownReq = canonicalQuantity(value as string | number);
      const shownLim = canonicalQuantity(limit as string | number);
      if (req !== lim && !overcommitAllowed) causes.push(invalid(reqPath, shownReq, `must be equal to ${name} limit of ${shownLim}`));
      else if (req > lim) causes.push(invalid(reqPath, shownReq, `must be less than or equal to ${name} limit of ${shownLim}`));
    } else if (limit === undefined && !overcommitAllowed) {
      causes.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  return causes;
}

const HANDLER_TYPES = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'] as const;

/** validateHandler for a probe: exactly one handler type, each well formed. */
function validateProbeHandler(probe: Json, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  let handlers = 0;
  for (const type of HANDLER_TYPES) {
    if (!isObject(probe[type])) continue;
    if (handlers > 0) {
      causes.push(forbidden(`${path}.${type}`, 'may not specify more than 1 handler type'));
      continue;
    }
    handlers++;
    const h = probe[type] as Json;
    const p = `${path}.${type}`;
    if (type === 'exec' && arr(h['command']).length === 0) causes.push(required(`${p}.command`));
    if (type === 'httpGet') {
      if (str(h['path']) === '') causes.push(required(`${p}.path`));
      causes.push(...validatePortNumOrName(h['port'], `${p}.port`));
      if (!['HTTP', 'HTTPS'].includes(str(h['scheme']))) causes.push(notSupported(`${p}.scheme`, str(h['scheme']), ['HTTP', 'HTTPS']));
    }
    if (type === 'tcpSocket') causes.push(...validatePortNumOrName(h['port'], `${p}.port`));
    if (type === 'grpc') causes.push(...validatePortNumOrName(num(h['port']) ?? 0, `${p}.port`));
  }
  if (handlers === 0) causes.push(required(path, 'must specify a handler type'));
  return causes;
}

function validateProbe(raw: unknown, path: string, kind: 'liveness' | 'readiness' | 'startup'): FieldCause[] {
  if (!isObject(raw)) return [];
  const causes = validateProbeHandler(raw, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    const v = num(raw[f]) ?? 0;
    if (v < 0) causes.push(invalid(`${path}.${f}`, v, IS_NEGATIVE));
  }
  if (kind !== 'readiness' && (num(raw['successThreshold']) ?? 0) !== 1) {
    // text unverified: validateLivenessProbe / validateStartupProbe, from memory.
    causes.push(invalid(`${path}.successThreshold`, num(raw['successThreshold']) ?? 0, 'must be 1'));
  }
  return causes;
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];

/** validateContainerCommon: name, image, termination message policy, ports, pull policy, resources. */
function validateContainerCommon(c: Json, path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = str(c['name']);
  if (name === '') causes.push(required(`${path}.name`));
  else for (const msg of isDNS1123Label(name)) causes.push(invalid(`${path}.name`, name, msg));
  if (str(c['image']) === '') causes.push(required(`${path}.image`));
  const tmp = str(c['terminationMessagePolicy']);
  if (tmp === '') causes.push(required(`${path}.terminationMessagePolicy`));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) causes.push(notSupported(`${path}.terminationMessagePolicy`, tmp, TERMINATION_MESSAGE_POLICIES));
  causes.push(...validateContainerPorts(arr(c['ports']), `${path}.ports`));
  const pull = str(c['imagePullPolicy']);
  if (pull === '') causes.push(required(`${path}.imagePullPolicy`));
  else if (!PULL_POLICIES.includes(pull)) causes.push(notSupported(`${path}.imagePullPolicy`, pull, PULL_POLICIES));
  causes.push(...validateResourceRequirements(rec(c['resources']), `${path}.resources`));
  return causes;
}

/** AccumulateUniqueHostPorts: one protocol/hostIP/hostPort per pod. */
function checkHostPortConflicts(containers: Json[], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    arr(c['ports']).forEach((raw, pi) => {
      const p = rec(raw);
      const port = num(p['hostPort']) ?? 0;
      if (port === 0) return;
      const key = `${str(p['protocol'])}/${str(p['hostIP'])}/${port}`;
      if (seen.has(key)) causes.push(duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return causes;
}

function validateContainers(containers: Json[], path: string): FieldCause[] {
  if (containers.length === 0) return [required(path)];
  const causes: FieldCause[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    causes.push(...validateContainerCommon(c, p));
    const name = str(c['name']);
    if (names.has(name)) causes.push(duplicate(`${p}.name`, name));
    else names.add(name);
    causes.push(...validateProbe(c['livenessProbe'], `${p}.livenessProbe`, 'liveness'));
    causes.push(...validateProbe(c['readinessProbe'], `${p}.readinessProbe`, 'readiness'));
    causes.push(...validateProbe(c['startupProbe'], `${p}.startupProbe`, 'startup'));
    if (c['restartPolicy'] !== undefined) causes.push(forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
  });
  causes.push(...checkHostPortConflicts(containers, path));
  return causes;
}

function validateInitContainers(initContainers: Json[], containers: Json[], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  const names = new Set(containers.map((c) => str(c['name'])));
  initContainers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    causes.push(...validateContainerCommon(c, p));
    const restartAlways = c['restartPolicy'] === 'Always';
    // text unverified: validateInitContainerRestartPolicy, from memory.
    if (c['restartPolicy'] !== undefined && !restartAlways) causes.push(notSupported(`${p}.restartPolicy`, c['restartPolicy'], ['Always']));
    const name = str(c['name']);
    if (names.has(name)) causes.push(duplicate(`${p}.name`, name));
    else if (name !== '') names.add(name);
    causes.push(...checkHostPortConflicts([c], path));
    if (restartAlways) {
      causes.push(...validateProbe(c['livenessProbe'], `${p}.livenessProbe`, 'liveness'));
      causes.push(...validateProbe(c['readinessProbe'], `${p}.readinessProbe`, 'readiness'));
      causes.push(...validateProbe(c['startupProbe'], `${p}.startupProbe`, 'startup'));
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f] !== undefined) causes.push(forbidden(`${p}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
  return causes;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateTolerations(tolerations: unknown[], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  tolerations.forEach((raw, i) => {
    const t = rec(raw);
    const p = `${path}[${i}]`;
    const key = str(t['key']);
    const operator = str(t['operator']);
    const value = str(t['value']);
    const effect = str(t['effect']);
    if (key !== '') for (const msg of isQualifiedName(key)) causes.push(invalid(`${p}.key`, key, msg));
    if (key === '' && operator !== 'Exists') {
      causes.push(invalid(`${p}.operator`, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t['tolerationSeconds'] !== undefined && t['tolerationSeconds'] !== null && effect !== 'NoExecute') {
      causes.push(invalid(`${p}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (operator === 'Equal' || operator === '') {
      const errs = isValidLabelValue(value);
      if (errs.length > 0) causes.push(invalid(`${p}.operator`, value, errs.join(';')));
    } else if (operator === 'Exists') {
      if (value !== '') causes.push(invalid(`${p}.operator`, value, "value must be empty when `operator` is 'Exists'"));
    } else causes.push(notSupported(`${p}.operator`, operator, ['Equal', 'Exists']));
    if (effect !== '' && !TAINT_EFFECTS.includes(effect)) causes.push(notSupported(`${p}.effect`, effect, TAINT_EFFECTS));
  });
  return causes;
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

function objectsOf(list: unknown): Json[] {
  return arr(list).map(rec);
}

/** ValidatePodSpec, for a Pod's spec or a pod template's (`path` is "spec" or "spec.template.spec"). */
export function validatePodSpec(rawSpec: unknown, path: string, isPod = false): FieldCause[] {
  const spec = rec(rawSpec);
  const causes: FieldCause[] = [];
  if (spec['terminationGracePeriodSeconds'] === undefined || spec['terminationGracePeriodSeconds'] === null) {
    causes.push(required(`${path}.terminationGracePeriodSeconds`));
  }
  const containers = objectsOf(spec['containers']);
  causes.push(...validateContainers(containers, `${path}.containers`));
  causes.push(...validateInitContainers(objectsOf(spec['initContainers']), containers, `${path}.initContainers`));
  if (spec['hostNetwork'] === true) {
    containers.forEach((c, ci) => {
      objectsOf(c['ports']).forEach((p, pi) => {
        const hp = num(p['hostPort']) ?? 0;
        const cp = num(p['containerPort']) ?? 0;
        if ((isPod || hp !== 0) && hp !== cp) {
          causes.push(invalid(`${path}.containers[${ci}].ports[${pi}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      });
    });
  }
  const restartPolicy = str(spec['restartPolicy']);
  if (restartPolicy === '') causes.push(required(`${path}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(restartPolicy)) causes.push(notSupported(`${path}.restartPolicy`, restartPolicy, RESTART_POLICIES));
  const dnsPolicy = str(spec['dnsPolicy']);
  if (dnsPolicy === '') causes.push(required(`${path}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(dnsPolicy)) causes.push(notSupported(`${path}.dnsPolicy`, dnsPolicy, DNS_POLICIES));
  causes.push(...validateLabels(strMap(spec['nodeSelector']), `${path}.nodeSelector`));
  const seen = new Set<string>();
  objectsOf(spec['schedulingGates']).forEach((g, i) => {
    const name = str(g['name']);
    for (const msg of isQualifiedName(name)) causes.push(invalid(`${path}.schedulingGates[${i}]`, name, msg));
    if (seen.has(name)) causes.push(duplicate(`${path}.schedulingGates[${i}]`, name));
    seen.add(name);
  });
  const sa = str(spec['serviceAccountName']);
  if (sa !== '') for (const msg of nameIsDNSSubdomain(sa, false)) causes.push(invalid(`${path}.serviceAccountName`, sa, msg));
  const nodeName = str(spec['nodeName']);
  if (nodeName !== '') for (const msg of nameIsDNSSubdomain(nodeName, false)) causes.push(invalid(`${path}.nodeName`, nodeName, msg));
  const ads = num(spec['activeDeadlineSeconds']);
  if (ads !== undefined && (ads < 1 || ads > MAX_INT32)) causes.push(invalid(`${path}.activeDeadlineSeconds`, ads, `must be between 1 and ${MAX_INT32}, inclusive`));
  for (const f of ['hostname', 'subdomain']) {
    const v = str(spec[f]);
    if (v !== '') for (const msg of isDNS1123Label(v)) causes.push(invalid(`${path}.${f}`, v, msg));
  }
  causes.push(...validateTolerations(arr(spec['tolerations']), `${path}.tolerations`));
  const pcn = str(spec['priorityClassName']);
  if (pcn !== '') for (const msg of nameIsDNSSubdomain(pcn, false)) causes.push(invalid(`${path}.priorityClassName`, pcn, msg));
  return causes;
}

/** Pod-only container checks (validateContainersOnlyForPod). */
function validateImageWhitespace(containers: Json[], path: string): FieldCause[] {
  const causes: FieldCause[] = [];
  containers.forEach((c, i) => {
    const image = str(c['image']);
    if (image.trim() !== image) causes.push(invalid(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return causes;
}

function validatePodMetadataAndSpec(pod: KubeObject): FieldCause[] {
  const spec = rec(pod['spec']);
  return [
    ...validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain),
    ...validatePodSpec(spec, 'spec', true),
    ...validateImageWhitespace(objectsOf(spec['containers']), 'spec.containers'),
    ...validateImageWhitespace(objectsOf(spec['initContainers']), 'spec.initContainers'),
  ];
}

function validatePodCreate(pod: KubeObject): FieldCause[] {
  const spec = rec(pod['spec']);
  const causes = validatePodMetadataAndSpec(pod);
  if (arr(spec['ephemeralContainers']).length > 0) causes.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  if (str(spec['nodeName']) !== '' && arr(spec['schedulingGates']).length > 0) {
    causes.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return causes;
}

/** The fields a pod update may change, as ValidatePodUpdate lists them. */
export const POD_UPDATABLE_FIELDS: readonly string[] = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Paths under `path` where a and b differ, for the short diff after the Forbidden message. */
function diffPaths(a: unknown, b: unknown, path: string, out: string[]): void {
  if (canonicalJson(a) === canonicalJson(b)) return;
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) diffPaths(a[k], b[k], `${path}.${k}`, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((v, i) => diffPaths(v, b[i], `${path}[${i}]`, out));
    return;
  }
  out.push(path);
}

function tolerationsWithoutSeconds(t: unknown): string {
  const { tolerationSeconds: _ignored, ...rest } = rec(t);
  return canonicalJson(rest);
}

function validatePodUpdate(newPod: KubeObject, oldPod: KubeObject): FieldCause[] {
  const causes = [...validateObjectMetaUpdate(newPod.metadata, oldPod.metadata), ...validatePodMetadataAndSpec(newPod)];
  const newSpec = rec(newPod['spec']);
  const oldSpec = rec(oldPod['spec']);
  for (const key of ['containers', 'initContainers']) {
    const newList = objectsOf(newSpec[key]);
    const oldList = objectsOf(oldSpec[key]);
    if (newList.length !== oldList.length) {
      causes.push(forbidden(`spec.${key}`, 'pod updates may not add or remove containers'));
      return causes;
    }
    newList.forEach((c, i) => {
      const image = str(c['image']);
      if (image === '') causes.push(required(`spec.${key}[${i}].image`));
      if (image.trim() !== image) causes.push(invalid(`spec.${key}[${i}].image`, image, 'must not have leading or trailing whitespace'));
    });
  }
  const newAds = num(newSpec['activeDeadlineSeconds']);
  const oldAds = num(oldSpec['activeDeadlineSeconds']);
  if (newAds !== undefined) {
    if (newAds < 0 || newAds > MAX_INT32) {
      causes.push(invalid('spec.activeDeadlineSeconds', newAds, `must be between 0 and ${MAX_INT32}, inclusive`));
      return causes;
    }
    if (oldAds !== undefined && oldAds < newAds) {
      causes.push(invalid('spec.activeDeadlineSeconds', newAds, 'must be less than or equal to previous value'));
      return causes;
    }
  } else if (oldAds !== undefined) {
    causes.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  const newTolerations = arr(newSpec['tolerations']).map(tolerationsWithoutSeconds);
  for (const old of arr(oldSpec['tolerations'])) {
    if (!newTolerations.includes(tolerationsWithoutSeconds(old))) {
      causes.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }
  const oldGates = new Set(objectsOf(oldSpec['schedulingGates']).map((g) => str(g['name'])));
  objectsOf(newSpec['schedulingGates']).forEach((g, i) => {
    const name = str(g['name']);
    if (!oldGates.has(name)) causes.push(forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${name}'`));
  });
  if (canonicalJson(newSpec) === canonicalJson(oldSpec)) return causes;

  // Undo the changes that are allowed, then anything left is forbidden.
  const munged = structuredClone(newSpec);
  for (const key of ['containers', 'initContainers']) {
    const oldList = objectsOf(oldSpec[key]);
    objectsOf(munged[key]).forEach((c, i) => {
      c['image'] = oldList[i]?.['image'];
    });
  }
  if (oldSpec['activeDeadlineSeconds'] === undefined) delete munged['activeDeadlineSeconds'];
  else munged['activeDeadlineSeconds'] = oldSpec['activeDeadlineSeconds'];
  for (const key of ['schedulingGates', 'tolerations']) {
    if (oldSpec[key] === undefined) delete munged[key];
    else munged[key] = oldSpec[key];
  }
  const oldGrace = num(oldSpec['terminationGracePeriodSeconds']);
  if (oldGrace !== undefined && oldGrace < 0 && munged['terminationGracePeriodSeconds'] === 1) munged['terminationGracePeriodSeconds'] = oldGrace;
  if (oldGates.size > 0 && munged['nodeSelector'] !== undefined) munged['nodeSelector'] = oldSpec['nodeSelector'];
  if (canonicalJson(munged) !== canonicalJson(oldSpec)) {
    const changed: string[] = [];
    diffPaths(oldSpec, munged, 'spec', changed);
    // Go appends a cmp.Diff of the two specs; kubesim lists the changed paths instead.
    causes.push(
      forbidden('spec', `pod updates may not change fields other than ${POD_UPDATABLE_FIELDS.join(',')}\n${changed.map((p) => `  changed: ${p}`).join('\n')}`),
    );
  }
  return causes;
}

function validatePodStatusUpdate(newPod: KubeObject, oldPod: KubeObject): FieldCause[] {
  const causes = validateObjectMetaUpdate(newPod.metadata, oldPod.metadata);
  if (str(rec(newPod['spec'])['nodeName']) !== str(rec(oldPod['spec'])['nodeName'])) {
    // Go builds this path from "status", not "spec".
    causes.push(forbidden('status.nodeName', 'may not be changed directly'));
  }
  const nominated = str(rec(newPod['status'])['nominatedNodeName']);
  if (nominated !== '' && nominated !== str(rec(oldPod['status'])['nominatedNodeName'])) {
    for (const msg of nameIsDNSSubdomain(nominated, false)) causes.push(invalid('status.nominatedNodeName', nominated, msg));
  }
  const oldQos = rec(oldPod['status'])['qosClass'];
  const newQos = rec(newPod['status'])['qosClass'];
  if ((oldQos ?? '') !== (newQos ?? '')) causes.push(invalid('status.qosClass', newQos ?? '', FIELD_IMMUTABLE));
  return causes;
}

/** ValidatePodBinding: the body of POST pods/<name>/binding. */
export function validateBinding(binding: KubeObject): FieldCause[] {
  const target = rec(binding['target']);
  const causes: FieldCause[] = [];
  const kind = str(target['kind']);
  if (kind !== '' && kind !== 'Node') causes.push(notSupported('target.kind', kind, ['Node', '<empty>']));
  if (str(target['name']) === '') causes.push(required('target.name'));
  return causes;
}

// ---------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------

const SESSION_AFFINITIES = ['ClientIP', 'None'];
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

function validateService(svc: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(svc.metadata, true, nameIsDNS1035Label);
  const spec = rec(svc['spec']);
  const type = str(spec['type']);
  const headless = spec['clusterIP'] === 'None' || arr(spec['clusterIPs'])[0] === 'None';
  const ports = objectsOf(spec['ports']);
  if (ports.length === 0 && !headless && type !== 'ExternalName') causes.push(required('spec.ports'));
  if (type === 'ExternalName') {
    const cname = str(spec['externalName']).replace(/\.$/, '');
    if (cname === '') causes.push(required('spec.externalName'));
    else for (const msg of isDNS1123Subdomain(cname)) causes.push(invalid('spec.externalName', cname, msg));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    const name = str(p['name']);
    if (ports.length > 1 && name === '') causes.push(required(`${path}.name`));
    else if (name !== '') {
      for (const msg of isDNS1123Label(name)) causes.push(invalid(`${path}.name`, name, msg));
      if (names.has(name)) causes.push(duplicate(`${path}.name`, name));
      else names.add(name);
    }
    if (!isValidPortNum(p['port'])) causes.push(invalid(`${path}.port`, num(p['port']) ?? 0, PORT_RANGE));
    const protocol = str(p['protocol']);
    if (protocol === '') causes.push(required(`${path}.protocol`));
    else if (!SUPPORTED_PORT_PROTOCOLS.includes(protocol)) causes.push(notSupported(`${path}.protocol`, protocol, SUPPORTED_PORT_PROTOCOLS));
    causes.push(...validatePortNumOrName(p['targetPort'], `${path}.targetPort`));
  });
  if (isObject(spec['selector'])) causes.push(...validateLabels(strMap(spec['selector']), 'spec.selector'));
  const affinity = str(spec['sessionAffinity']);
  if (affinity === '') causes.push(required('spec.sessionAffinity'));
  else if (!SESSION_AFFINITIES.includes(affinity)) causes.push(notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  if (affinity === 'None' && spec['sessionAffinityConfig'] !== undefined) {
    causes.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  if (type === '') causes.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) causes.push(notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if ((num(p['nodePort']) ?? 0) !== 0) causes.push(forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const nodePort = num(p['nodePort']) ?? 0;
    if (nodePort === 0) return;
    const key = `${str(p['protocol'])}/${nodePort}`;
    if (nodePorts.has(key)) causes.push(duplicate(`spec.ports[${i}].nodePort`, nodePort));
    nodePorts.add(key);
  });
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${str(p['protocol'])}/${num(p['port']) ?? 0}`;
    if (seenPorts.has(key)) {
      // text unverified: Go prints the internal core.ServicePort key struct via json.Marshal (no json tags).
      causes.push(
        duplicate(
          `spec.ports[${i}]`,
          goStruct({ Name: '', Protocol: str(p['protocol']), AppProtocol: null, Port: num(p['port']) ?? 0, TargetPort: 0, NodePort: 0 }),
        ),
      );
    }
    seenPorts.add(key);
  });
  const externallyAccessible = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && arr(spec['externalIPs']).length > 0);
  const etp = str(spec['externalTrafficPolicy']);
  if (!externallyAccessible && etp !== '') causes.push(invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  if (externallyAccessible && etp === '') causes.push(required('spec.externalTrafficPolicy'));
  else if (externallyAccessible && etp !== 'Cluster' && etp !== 'Local') causes.push(notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  const itp = spec['internalTrafficPolicy'];
  if (itp === undefined && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(type)) causes.push(required('spec.internalTrafficPolicy'));
  if (itp !== undefined && itp !== 'Cluster' && itp !== 'Local') causes.push(notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  return causes;
}

// ---------------------------------------------------------------------------------------------
// Deployments and ReplicaSets (pkg/apis/apps/validation/validation.go)
// ---------------------------------------------------------------------------------------------

/** How Go prints a *metav1.LabelSelector: a struct, fields in declaration order, empty ones omitted. */
function selectorValue(selector: unknown): unknown {
  if (!isObject(selector)) return null;
  const exprs = arr(selector['matchExpressions']).map((e) => {
    const r = rec(e);
    return goStruct({ key: r['key'], operator: r['operator'], values: arr(r['values']).length > 0 ? r['values'] : undefined });
  });
  const labels = strMap(selector['matchLabels']);
  return goStruct({
    matchLabels: labels && Object.keys(labels).length > 0 ? labels : undefined,
    matchExpressions: exprs.length > 0 ? exprs : undefined,
  });
}

/** ValidatePodTemplateSpecForReplicaSet. */
function validateTemplateForReplicaSet(spec: Json, kind: 'Deployment' | 'ReplicaSet'): FieldCause[] {
  const causes: FieldCause[] = [];
  const template = rec(spec['template']);
  const templateMeta = rec(template['metadata']);
  const templateLabels = strMap(templateMeta['labels']);
  const selector = selectorFromLabelSelector(isObject(spec['selector']) ? (spec['selector'] as LabelSelector) : undefined);
  if ('error' in selector) {
    causes.push(invalid('spec.selector', selectorValue(spec['selector']), 'invalid label selector'));
    return causes;
  }
  // A nil selector selects nothing and is not "empty", so it also fails this check, as in Go.
  const empty = selector.type === 'requirements' && selector.requirements.length === 0;
  if (!empty && !matches(selector, templateLabels)) {
    causes.push(invalid('spec.template.metadata.labels', templateLabels ?? null, '`selector` does not match template `labels`'));
  }
  // ValidatePodTemplateSpec: the template's labels are reported at spec.template.labels (sic).
  causes.push(...validateLabels(templateLabels, 'spec.template.labels'));
  causes.push(...validateAnnotations(strMap(templateMeta['annotations']), 'spec.template.annotations'));
  const podSpec = rec(template['spec']);
  causes.push(...validatePodSpec(podSpec, 'spec.template.spec'));
  if (arr(podSpec['ephemeralContainers']).length > 0) {
    causes.push(forbidden('spec.template.spec.ephemeralContainers', 'ephemeral containers not allowed in pod template'));
  }
  const restartPolicy = str(podSpec['restartPolicy']);
  if (restartPolicy !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  if (podSpec['activeDeadlineSeconds'] !== undefined) {
    causes.push(forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return causes;
}

function validateSelectorPresent(spec: Json): FieldCause[] {
  const selector = spec['selector'];
  if (!isObject(selector)) return [required('spec.selector')];
  const causes = validateLabelSelector(selector as LabelSelector, 'spec.selector');
  const labels = Object.keys(rec(selector['matchLabels'])).length;
  const exprs = arr(selector['matchExpressions']).length;
  if (labels + exprs === 0) causes.push(invalid('spec.selector', selectorValue(selector), 'empty selector is invalid for deployment'));
  return causes;
}

function nonNegative(spec: Json, field: string, path: string): FieldCause[] {
  const v = num(spec[field]);
  return v !== undefined && v < 0 ? [invalid(path, v, IS_NEGATIVE)] : [];
}

/** IntOrString as Go reads it: a number, or "N%" as N, anything else 0. */
function intOrPercent(value: unknown): { value: number; isPercent: boolean; valid: boolean } {
  if (typeof value === 'number') return { value, isPercent: false, valid: true };
  if (typeof value === 'string') {
    if (/^[0-9]+%$/.test(value)) return { value: Number(value.slice(0, -1)), isPercent: true, valid: true };
    return { value: /^[+-]?\d+$/.test(value) ? Number(value) : 0, isPercent: false, valid: false };
  }
  return { value: 0, isPercent: false, valid: false };
}

function validatePositiveIntOrPercent(value: unknown, path: string): FieldCause[] {
  if (typeof value === 'string') {
    return intOrPercent(value).valid
      ? []
      : [invalid(path, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%', or '93%', regex used for validation is '[0-9]+%')")];
  }
  if (typeof value === 'number') return value < 0 ? [invalid(path, value, IS_NEGATIVE)] : [];
  return [invalid(path, value ?? null, "must be an integer or percentage (e.g '5%%')")];
}

function validateDeploymentStrategy(spec: Json): FieldCause[] {
  const strategy = rec(spec['strategy']);
  const type = str(strategy['type']);
  if (type === 'Recreate') {
    return strategy['rollingUpdate'] !== undefined ? [forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")] : [];
  }
  if (type === 'RollingUpdate') {
    if (!isObject(strategy['rollingUpdate'])) return [required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')];
    const ru = strategy['rollingUpdate'] as Json;
    const causes = [
      ...validatePositiveIntOrPercent(ru['maxUnavailable'], 'spec.strategy.rollingUpdate.maxUnavailable'),
      ...validatePositiveIntOrPercent(ru['maxSurge'], 'spec.strategy.rollingUpdate.maxSurge'),
    ];
    const unavailable = intOrPercent(ru['maxUnavailable']);
    if (unavailable.value === 0 && intOrPercent(ru['maxSurge']).value === 0) {
      causes.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru['maxUnavailable'] ?? 0, 'may not be 0 when `maxSurge` is 0'));
    }
    if (unavailable.isPercent && unavailable.value > 100) {
      causes.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru['maxUnavailable'], 'must not be greater than 100%'));
    }
    return causes;
  }
  return [notSupported('spec.strategy', goStruct({ type, rollingUpdate: strategy['rollingUpdate'] }), ['Recreate', 'RollingUpdate'])];
}

function validateDeploymentSpec(spec: Json): FieldCause[] {
  const causes = [...nonNegative(spec, 'replicas', 'spec.replicas'), ...validateSelectorPresent(spec)];
  causes.push(...validateTemplateForReplicaSet(spec, 'Deployment'));
  causes.push(...validateDeploymentStrategy(spec));
  causes.push(...nonNegative(spec, 'minReadySeconds', 'spec.minReadySeconds'));
  causes.push(...nonNegative(spec, 'revisionHistoryLimit', 'spec.revisionHistoryLimit'));
  const pds = num(spec['progressDeadlineSeconds']);
  if (pds !== undefined) {
    causes.push(...nonNegative(spec, 'progressDeadlineSeconds', 'spec.progressDeadlineSeconds'));
    if (pds <= (num(spec['minReadySeconds']) ?? 0)) causes.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return causes;
}

function validateReplicaSetSpec(spec: Json): FieldCause[] {
  return [
    ...nonNegative(spec, 'replicas', 'spec.replicas'),
    ...nonNegative(spec, 'minReadySeconds', 'spec.minReadySeconds'),
    ...validateSelectorPresent(spec),
    ...validateTemplateForReplicaSet(spec, 'ReplicaSet'),
  ];
}

/** The registry's extra update rule: the selector is immutable unless the request came through extensions/v1beta1. */
function selectorImmutable(newObj: KubeObject, oldObj: KubeObject, opts: ValidationOptions): FieldCause[] {
  const version = opts.requestApiVersion ?? newObj.apiVersion ?? '';
  if (version === 'extensions/v1beta1' || version === 'apps/v1beta1' || version === 'apps/v1beta2') return [];
  const a = rec(newObj['spec'])['selector'];
  const b = rec(oldObj['spec'])['selector'];
  return canonicalJson(a ?? null) === canonicalJson(b ?? null) ? [] : [invalid('spec.selector', selectorValue(a), FIELD_IMMUTABLE)];
}

// ---------------------------------------------------------------------------------------------
// Other kinds
// ---------------------------------------------------------------------------------------------

function validateNamespace(ns: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(ns.metadata, false, nameIsDNSLabel);
  for (const f of arr(rec(ns['spec'])['finalizers'])) {
    const name = str(f);
    for (const msg of isQualifiedName(name)) causes.push(invalid('spec.finalizers', name, msg));
    if (!name.includes('/') && name !== 'kubernetes') {
      causes.push(invalid('spec.finalizers', name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return causes;
}

function validateNamespaceStatusUpdate(newNs: KubeObject, oldNs: KubeObject): FieldCause[] {
  const causes = validateObjectMetaUpdate(newNs.metadata, oldNs.metadata);
  const phase = str(rec(newNs['status'])['phase']);
  // Go names this path "status.Phase", capital P.
  if (!newNs.metadata?.deletionTimestamp) {
    if (phase !== 'Active') causes.push(invalid('status.Phase', phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') {
    causes.push(invalid('status.Phase', phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  }
  return causes;
}

function validateNode(node: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(node.metadata, false, nameIsDNSSubdomain);
  objectsOf(rec(node['spec'])['taints']).forEach((t, i) => {
    const p = `spec.taints[${i}]`;
    const key = str(t['key']);
    for (const msg of isQualifiedName(key)) causes.push(invalid(`${p}.key`, key, msg));
    const value = str(t['value']);
    for (const msg of isValidLabelValue(value)) causes.push(invalid(`${p}.value`, value, msg));
    const effect = str(t['effect']);
    if (effect === '') causes.push(required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(effect)) causes.push(notSupported(`${p}.effect`, effect, TAINT_EFFECTS));
  });
  return causes;
}

function validateLease(lease: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(lease.metadata, true, nameIsDNSSubdomain);
  const spec = rec(lease['spec']);
  const duration = num(spec['leaseDurationSeconds']);
  // text unverified: coordination ValidateLeaseSpec, from memory.
  if (duration !== undefined && duration <= 0) causes.push(invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  causes.push(...nonNegative(spec, 'leaseTransitions', 'spec.leaseTransitions'));
  return causes;
}

function validateResourceQuota(rq: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(rq.metadata, true, nameIsDNSSubdomain);
  const hard = rec(rec(rq['spec'])['hard']);
  for (const name of Object.keys(hard).sort()) causes.push(...validateQuantityValue(name, hard[name], `spec.hard[${name}]`));
  return causes;
}

function validatePriorityClass(pc: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(pc.metadata, false, nameIsDNSSubdomain);
  const name = pc.metadata?.name ?? '';
  if (name.startsWith('system-') && name !== 'system-cluster-critical' && name !== 'system-node-critical') {
    // text unverified: scheduling ValidatePriorityClass, from memory.
    causes.push(invalid('metadata.name', name, "priority class names with 'system-' prefix are reserved"));
  }
  const policy = pc['preemptionPolicy'];
  if (policy !== undefined) {
    if (policy === '') causes.push(required('preemptionPolicy'));
    else if (policy !== 'PreemptLowerPriority' && policy !== 'Never') causes.push(notSupported('preemptionPolicy', policy, ['PreemptLowerPriority', 'Never']));
  }
  return causes;
}

function validateRoleBinding(binding: KubeObject, clusterScoped: boolean): FieldCause[] {
  const causes = validateObjectMeta(binding.metadata, !clusterScoped, nameIsPathSegment);
  const roleRef = rec(binding['roleRef']);
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  // text unverified: rbac ValidateRoleBindingRef, from memory.
  if (str(roleRef['apiGroup']) !== 'rbac.authorization.k8s.io') causes.push(notSupported('roleRef.apiGroup', str(roleRef['apiGroup']), ['rbac.authorization.k8s.io']));
  if (!kinds.includes(str(roleRef['kind']))) causes.push(notSupported('roleRef.kind', str(roleRef['kind']), kinds));
  if (str(roleRef['name']) === '') causes.push(required('roleRef.name'));
  return causes;
}

function validateEndpoints(ep: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(ep.metadata, true, nameIsDNSSubdomain);
  objectsOf(ep['subsets']).forEach((s, i) => {
    const p = `subsets[${i}]`;
    if (arr(s['addresses']).length === 0 && arr(s['notReadyAddresses']).length === 0) {
      causes.push(required(p, 'must specify `addresses` or `notReadyAddresses`'));
    }
    const ports = objectsOf(s['ports']);
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      const name = str(port['name']);
      if (ports.length > 1 && name === '') causes.push(required(`${pp}.name`));
      else if (name !== '') for (const msg of isDNS1123Label(name)) causes.push(invalid(`${pp}.name`, name, msg));
      if (!isValidPortNum(port['port'])) causes.push(invalid(`${pp}.port`, num(port['port']) ?? 0, PORT_RANGE));
      const protocol = str(port['protocol']);
      if (protocol === '') causes.push(required(`${pp}.protocol`));
      else if (!SUPPORTED_PORT_PROTOCOLS.includes(protocol)) causes.push(notSupported(`${pp}.protocol`, protocol, SUPPORTED_PORT_PROTOCOLS));
    });
  });
  return causes;
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/** Validation of a create, by `obj.kind`. Kinds without modeled rules get metadata validation only. */
export function validateCreate(obj: KubeObject): FieldCause[] {
  const spec = rec(obj['spec']);
  switch (obj.kind) {
    case 'Pod':
      return validatePodCreate(obj);
    case 'Service':
      return validateService(obj);
    case 'Deployment':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateDeploymentSpec(spec)];
    case 'ReplicaSet':
      return [...validateObjectMeta(obj.metadata, true, nameIsDNSSubdomain), ...validateReplicaSetSpec(spec)];
    case 'Namespace':
      return validateNamespace(obj);
    case 'Node':
      return validateNode(obj);
    case 'Lease':
      return validateLease(obj);
    case 'ResourceQuota':
      return validateResourceQuota(obj);
    case 'PriorityClass':
      return validatePriorityClass(obj);
    case 'RoleBinding':
      return validateRoleBinding(obj, false);
    case 'ClusterRoleBinding':
      return validateRoleBinding(obj, true);
    case 'Endpoints':
      return validateEndpoints(obj);
    default: {
      const info = lookupByKind(obj.apiVersion ?? '', obj.kind ?? '');
      return validateObjectMeta(obj.metadata, info?.namespaced ?? true, nameValidatorFor(obj.kind ?? ''));
    }
  }
}

/** Validation of an update (PUT or the result of a PATCH) of the main resource or its status. */
export function validateUpdate(newObj: KubeObject, oldObj: KubeObject, opts: ValidationOptions = {}): FieldCause[] {
  if (opts.subresource === 'status') {
    if (newObj.kind === 'Pod') return validatePodStatusUpdate(newObj, oldObj);
    if (newObj.kind === 'Namespace') return validateNamespaceStatusUpdate(newObj, oldObj);
    return validateObjectMetaUpdate(newObj.metadata, oldObj.metadata);
  }
  const meta = validateObjectMetaUpdate(newObj.metadata, oldObj.metadata);
  const spec = rec(newObj['spec']);
  switch (newObj.kind) {
    case 'Pod':
      return validatePodUpdate(newObj, oldObj);
    case 'Deployment':
      return [...meta, ...validateDeploymentSpec(spec), ...selectorImmutable(newObj, oldObj, opts)];
    case 'ReplicaSet':
      return [...meta, ...validateReplicaSetSpec(spec), ...selectorImmutable(newObj, oldObj, opts)];
    case 'Service':
      return [...meta, ...validateService(newObj)];
    case 'Namespace':
      return meta;
    case 'PriorityClass': {
      const causes = [...meta, ...validatePriorityClass(newObj)];
      // text unverified: scheduling ValidatePriorityClassUpdate, from memory.
      if (newObj['value'] !== oldObj['value']) causes.push(forbidden('value', 'may not be changed in an update.'));
      return causes;
    }
    case 'RoleBinding':
    case 'ClusterRoleBinding': {
      const causes = [...meta, ...validateRoleBinding(newObj, newObj.kind === 'ClusterRoleBinding')];
      if (canonicalJson(newObj['roleRef']) !== canonicalJson(oldObj['roleRef'])) {
        // text unverified: rbac ValidateRoleBindingUpdate, from memory.
        causes.push(invalid('roleRef', goStruct({ ...rec(newObj['roleRef']) }), 'cannot change roleRef'));
      }
      return causes;
    }
    default: {
      const created = validateCreate(newObj).filter((c) => !c.field.startsWith('metadata.'));
      return [...meta, ...created];
    }
  }
}

/** Storage's refusal of a create that carries a resourceVersion (a 500, reason ""; see the file comment). */
export const RESOURCE_VERSION_SET_ON_CREATE = 'resourceVersion should not be set on objects to be created';

/**
 * The storage error for a create carrying `metadata.resourceVersion`, or undefined. Like the
 * versioner, only a value that parses as a non-zero unsigned integer counts: "0" is accepted
 * and so, oddly, is "-1" (kubernetes/kubernetes#113847).
 */
export function resourceVersionSetOnCreate(obj: KubeObject): string | undefined {
  const rv = obj.metadata?.resourceVersion;
  if (rv === undefined || rv === '' || !/^\d+$/.test(rv)) return undefined;
  return BigInt(rv) === 0n ? undefined : RESOURCE_VERSION_SET_ON_CREATE;
}
