/**
 * Decoding, the step before anything else looks at a request's object: the apiserver unmarshals
 * the JSON into typed objects, and every resource.Quantity field is parsed by ParseQuantity on
 * the way in and printed by Quantity.String() on the way out (to etcd, to clients). So a
 * quantity that does not parse fails the request before defaulting, admission and validation,
 * and what is stored is the quantity's canonical form ("0.5" → "500m", "1024Mi" → "1Gi").
 *
 * The apiserver turns a decode error into (endpoints/handlers/rest.go `transformDecodeError`):
 *   400 `Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression '…'`
 * for a create or an update, and for a merge patch whose result does not decode into
 * (endpoints/handlers/patch.go `applyPatchToCurrentObject`):
 *   422 ` "" is invalid: patch: Invalid value: "<the patched object>": quantities must match …`.
 *
 * The quantity fields, by kind: pod specs (containers, init and ephemeral containers
 * resources, pod-level resources, overhead, emptyDir sizeLimit) wherever a pod template is;
 * pod status resources; Node status capacity/allocatable; ResourceQuota hard/used; LimitRange
 * limits; PersistentVolumeClaim and PersistentVolume capacities.
 */

import type { KubeObject } from '../protocol.ts';
import { formatQty, parseQty, QUANTITY_FORMAT_ERROR, QuantityError } from '../quantity.ts';
import { parseApiVersion } from '../resources.ts';
import { isObject, type Json } from './helpers.ts';
import { cloneJson } from '../clone-json.ts';

export type DecodeResult = { object: KubeObject; error?: undefined } | { error: string };

class Decoder {
  error: string | undefined;

  /** One quantity: its canonical string, or the first error (the value is then left alone). */
  one(value: unknown): unknown {
    if (value === undefined) return value;
    // JSON null decodes to the zero Quantity, which prints "0".
    if (value === null) return '0';
    if (typeof value !== 'string' && typeof value !== 'number') {
      // ParseQuantity of `true` or `{…}`: the format error.
      this.error ??= QUANTITY_FORMAT_ERROR;
      return value;
    }
    try {
      return formatQty(parseQty(value));
    } catch (e) {
      if (!(e instanceof QuantityError)) throw e;
      this.error ??= e.message;
      return value;
    }
  }

  /** A ResourceList (a map of quantities); not a map: left to the rest of the machinery. */
  list(parent: Json, key: string): void {
    const list = parent[key];
    if (!isObject(list)) return;
    const out: Json = {};
    for (const [name, value] of Object.entries(list)) out[name] = this.one(value);
    parent[key] = out;
  }

  quantity(parent: Json, key: string): void {
    if (key in parent) parent[key] = this.one(parent[key]);
  }

  requirements(parent: Json, key: string): void {
    const r = parent[key];
    if (!isObject(r)) return;
    this.list(r, 'requests');
    this.list(r, 'limits');
  }

  podSpec(spec: unknown): void {
    if (!isObject(spec)) return;
    for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
      for (const c of asArray(spec[key])) if (isObject(c)) this.requirements(c, 'resources');
    }
    this.requirements(spec, 'resources');
    this.list(spec, 'overhead');
    for (const v of asArray(spec['volumes'])) {
      if (isObject(v) && isObject(v['emptyDir'])) this.quantity(v['emptyDir'] as Json, 'sizeLimit');
    }
  }

  podStatus(status: unknown): void {
    if (!isObject(status)) return;
    for (const key of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses']) {
      for (const s of asArray(status[key])) {
        if (!isObject(s)) continue;
        this.list(s, 'allocatedResources');
        this.requirements(s, 'resources');
      }
    }
  }

  template(template: unknown): void {
    if (isObject(template)) this.podSpec(template['spec']);
  }

  /** A map of []byte, which JSON carries base64-encoded (a Secret's data, a ConfigMap's binaryData). */
  bytes(parent: Json, key: string): void {
    const map = parent[key];
    if (!isObject(map)) return;
    for (const value of Object.values(map)) {
      if (value === null) continue;
      if (typeof value !== 'string') {
        this.error ??= 'json: cannot unmarshal into Go value of type []uint8';
        continue;
      }
      const offset = base64ErrorOffset(value);
      if (offset !== undefined) this.error ??= `illegal base64 data at input byte ${offset}`;
    }
  }

  claimSpec(spec: unknown): void {
    if (isObject(spec)) this.requirements(spec, 'resources');
  }
}

const BASE64_ALPHABET = /^[A-Za-z0-9+/]$/;

/**
 * Where Go's base64.StdEncoding.Decode (what encoding/json uses for []byte) reports a
 * CorruptInputError, or undefined when `s` decodes: quanta of 4, `=` padding only at the end,
 * `\r` and `\n` skipped, non-zero trailing bits tolerated.
 */
export function base64ErrorOffset(s: string): number | undefined {
  let si = 0;
  const skipNewlines = (): void => {
    while (si < s.length && (s[si] === '\n' || s[si] === '\r')) si++;
  };
  while (si < s.length) {
    for (let j = 0; j < 4; j++) {
      if (si === s.length) {
        if (j === 0) return undefined;
        return si - j;
      }
      const c = s[si]!;
      si++;
      if (BASE64_ALPHABET.test(c)) continue;
      if (c === '\n' || c === '\r') {
        j--;
        continue;
      }
      if (c !== '=') return si - 1;
      // Padding: only after 2 or 3 characters of a quantum, then nothing but newlines.
      if (j === 0 || j === 1) return si - 1;
      if (j === 2) {
        skipNewlines();
        if (si === s.length) return s.length;
        if (s[si] !== '=') return si - 1;
        si++;
      }
      skipNewlines();
      return si < s.length ? si : undefined;
    }
  }
  return undefined;
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const child = (o: Json, key: string): Json | undefined => (isObject(o[key]) ? (o[key] as Json) : undefined);

/** Walks the quantity fields of `obj` (by its kind) on a copy, canonicalizing them. */
export function decodeQuantities(obj: KubeObject): DecodeResult {
  const d = new Decoder();
  const out = cloneJson(obj) as Json;
  const spec = child(out, 'spec');
  const status = child(out, 'status');
  switch (obj.kind) {
    case 'Pod':
      d.podSpec(spec);
      d.podStatus(status);
      break;
    case 'PodTemplate':
      d.template(out['template']);
      break;
    case 'Deployment':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'DaemonSet':
    case 'Job':
      if (spec) d.template(spec['template']);
      break;
    case 'StatefulSet':
      if (spec) {
        d.template(spec['template']);
        for (const t of asArray(spec['volumeClaimTemplates'])) if (isObject(t)) d.claimSpec(t['spec']);
      }
      break;
    case 'CronJob': {
      const jobSpec = spec && isObject(spec['jobTemplate']) ? child(spec['jobTemplate'] as Json, 'spec') : undefined;
      if (jobSpec) d.template(jobSpec['template']);
      break;
    }
    case 'Node':
      if (status) {
        d.list(status, 'capacity');
        d.list(status, 'allocatable');
      }
      break;
    case 'ResourceQuota':
      if (spec) d.list(spec, 'hard');
      if (status) {
        d.list(status, 'hard');
        d.list(status, 'used');
      }
      break;
    case 'LimitRange':
      for (const item of asArray(spec?.['limits'])) {
        if (!isObject(item)) continue;
        for (const key of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) d.list(item, key);
      }
      break;
    case 'PersistentVolumeClaim':
      d.claimSpec(spec);
      if (status) {
        d.list(status, 'capacity');
        d.list(status, 'allocatedResources');
      }
      break;
    case 'PersistentVolume':
      if (spec) d.list(spec, 'capacity');
      break;
    case 'Secret':
      d.bytes(out, 'data');
      break;
    case 'ConfigMap':
      d.bytes(out, 'binaryData');
      break;
  }
  return d.error !== undefined ? { error: d.error } : { object: out as KubeObject };
}

/** transformDecodeError's text: `<Kind> in version "<v>" cannot be handled as a <Kind>: <error>`. */
export function decodeErrorMessage(kind: string, apiVersion: string, error: string, endpointKind = kind): string {
  const { version } = parseApiVersion(apiVersion);
  return `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${endpointKind}: ${error}`;
}

/**
 * The 400 BadRequest text when a quantity in `obj` cannot be decoded, or undefined when every
 * quantity parses: `Pod in version "v1" cannot be handled as a Pod: quantities must match …`.
 */
export function decodeError(obj: KubeObject): string | undefined {
  const r = decodeQuantities(obj);
  if (r.error === undefined) return undefined;
  return decodeErrorMessage(obj.kind ?? '', obj.apiVersion ?? '', r.error);
}
