import type { KubeObject } from '../../api/protocol.ts';
import { podQuotaUsed, type ResourceQuotaObject } from '../../api/admission/resource-quota.ts';
import { formatList, parseResourceList, type ResourceList } from '../../api/admission/quantity-format.ts';
import { QuantityError } from '../../api/quantity.ts';
import { WATCHED, type WatchedResource } from '../garbagecollector/resources.ts';

/**
 * The quota controller's recalculation (pkg/controller/resourcequota syncResourceQuota): status.hard
 * is spec.hard; status.used holds, for every resource of hard an evaluator tracks, the namespace's
 * usage — the pod evaluator's (pods, count/pods, cpu, memory, requests.*, limits.*, with the
 * quota's scopes) and object counts (`count/<resource>[.<group>]`, and the legacy names
 * configmaps, secrets, services, replicationcontrollers, resourcequotas,
 * persistentvolumeclaims). Names no evaluator tracks are left out of used.
 */

const LEGACY_COUNT_NAMES = new Set(['configmaps', 'secrets', 'services', 'replicationcontrollers', 'resourcequotas', 'persistentvolumeclaims']);

/** The watched resource a counted name stands for (`count/deployments.apps`, `services`). */
export function countedResource(name: string): WatchedResource | undefined {
  let gr: string;
  if (name.startsWith('count/')) gr = name.slice('count/'.length);
  else if (LEGACY_COUNT_NAMES.has(name)) gr = name;
  else return undefined;
  const dot = gr.indexOf('.');
  const resource = dot < 0 ? gr : gr.slice(0, dot);
  const group = dot < 0 ? '' : gr.slice(dot + 1);
  if (resource === 'pods' && group === '') return undefined;
  return WATCHED.find((w) => w.info.namespaced && w.info.resource === resource && (w.info.group === group || (group === 'extensions' && w.info.resource === resource)));
}

export interface QuotaStatus {
  hard: Record<string, string>;
  used: Record<string, string>;
}

function sortKeys(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(r).sort().map((k) => [k, r[k]!]));
}

/**
 * The status the controller writes. `objectsIn(w)` lists the namespace's objects of a resource.
 * Returns undefined when spec.hard is malformed (validation refuses that; nothing to do).
 */
export function computeQuotaStatus(quota: ResourceQuotaObject, objectsIn: (w: WatchedResource | 'pods') => KubeObject[], nowMs: number): QuotaStatus | undefined {
  let hardList: ResourceList;
  try {
    hardList = parseResourceList(quota.spec?.hard);
  } catch (e) {
    if (e instanceof QuantityError) return undefined;
    throw e;
  }
  const hard = formatList(hardList);
  const withHard: ResourceQuotaObject = { ...quota, status: { ...(quota.status ?? {}), hard } };
  const used: Record<string, string> = { ...podQuotaUsed(withHard, objectsIn('pods'), nowMs) };
  const counts: ResourceList = new Map();
  for (const name of Object.keys(hard)) {
    const w = countedResource(name);
    if (!w) continue;
    // Counted objects match no scope (generic.MatchesNoScopeFunc): a scoped quota counts nothing.
    const scoped = (quota.spec?.scopes?.length ?? 0) > 0 || (quota.spec?.scopeSelector?.matchExpressions?.length ?? 0) > 0;
    const n = scoped ? 0 : objectsIn(w).length;
    counts.set(name, { milli: BigInt(n) * 1000n, format: 'DecimalSI' });
  }
  Object.assign(used, formatList(counts));
  return { hard: sortKeys(hard), used: sortKeys(used) };
}

export function sameStatus(quota: ResourceQuotaObject, next: QuotaStatus): boolean {
  const cur = quota.status ?? {};
  return JSON.stringify(sortKeys((cur.hard ?? {}) as Record<string, string>)) === JSON.stringify(next.hard) && JSON.stringify(sortKeys((cur.used ?? {}) as Record<string, string>)) === JSON.stringify(next.used);
}
