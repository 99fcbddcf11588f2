import type { KubeObject } from '../api/protocol.ts';
import { SERVICE_NAME_LABEL } from '../controllers/host/resources.ts';
import { endpointReady, podIpOf, selectsPod, serviceSelector, shouldPodBeInEndpoints, type ServiceJson } from '../controllers/host/service-endpoints.ts';
import type { ClusterState } from './cluster-state.ts';
import type { Verdict } from './conditions.ts';
import type { EndpointsCondition } from './spec.ts';

/**
 * `that.endpoints`: a Service routes to exactly its ready pods, as its readers see it — kube-proxy
 * and DNS read the EndpointSlices, older clients the Endpoints. Both must list, as ready, exactly
 * the addresses of the pods its selector matches that are ready and not terminating (every pod
 * with an address when the Service publishes not-ready addresses): a missing ready pod is traffic
 * not sent where it could go; an extra address is traffic sent to a pod that is gone or not ready.
 * The expected set is read from the committed pods with the controllers' own rules
 * (actors/controllers/host/service-endpoints.ts), so the check is about the controllers keeping
 * up, not about what endpoints mean.
 */

interface SliceJson extends KubeObject {
  endpoints?: { addresses?: string[]; conditions?: { ready?: boolean } }[];
}

interface EndpointsJson extends KubeObject {
  subsets?: { addresses?: { ip?: string }[] }[];
}

function describeSet(addresses: ReadonlySet<string>): string {
  return addresses.size === 0 ? 'none' : [...addresses].sort().join(', ');
}

function difference(a: ReadonlySet<string>, b: ReadonlySet<string>): string[] {
  return [...a].filter((x) => !b.has(x)).sort();
}

function compare(what: string, listed: ReadonlySet<string>, expected: ReadonlySet<string>): string | undefined {
  const missing = difference(expected, listed);
  const extra = difference(listed, expected);
  if (missing.length === 0 && extra.length === 0) return undefined;
  return `${what} list ${describeSet(listed)}${missing.length ? `, missing ready ${missing.join(', ')}` : ''}${extra.length ? `, with ${extra.join(', ')} that is no ready pod of the Service` : ''}`;
}

export function checkEndpoints(cond: EndpointsCondition, state: ClusterState): Verdict {
  const namespace = cond.namespace ?? 'default';
  const name = `service/${cond.service}`;
  const svc = state.get('services', namespace, cond.service) as ServiceJson | undefined;
  if (!svc) return { ok: false, detail: `${name} does not exist` };
  const selector = serviceSelector(svc);
  if (!selector || svc.spec?.type === 'ExternalName') return { ok: false, detail: `${name} has no selector: its endpoints are not its pods'` };
  const expected = new Set<string>();
  for (const [, pod] of state.entries('pods', namespace)) {
    if (selectsPod(selector, pod) && shouldPodBeInEndpoints(pod, false) && endpointReady(pod, svc)) expected.add(podIpOf(pod));
  }
  const sliced = new Set<string>();
  for (const [, slice] of state.entries('endpointslices', namespace)) {
    if (slice.metadata?.labels?.[SERVICE_NAME_LABEL] !== cond.service) continue;
    // A nil ready condition is "unknown", which consumers take as ready (discovery/v1 EndpointConditions).
    for (const e of (slice as SliceJson).endpoints ?? []) if (e.conditions?.ready !== false) for (const a of e.addresses ?? []) sliced.add(a);
  }
  const endpoints = state.get('endpoints', namespace, cond.service) as EndpointsJson | undefined;
  const listed = new Set<string>();
  for (const subset of endpoints?.subsets ?? []) for (const a of subset.addresses ?? []) if (a.ip) listed.add(a.ip);
  const problems = [compare('its EndpointSlices', sliced, expected), endpoints ? compare('its Endpoints', listed, expected) : `it has no Endpoints object`].filter((p): p is string => p !== undefined);
  if (problems.length > 0) return { ok: false, detail: `${name}: ready pods at ${describeSet(expected)}, but ${problems.join('; ')}` };
  return { ok: true, detail: `${name} routes to its ${expected.size} ready pod(s): ${describeSet(expected)}` };
}
