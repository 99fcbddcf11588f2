import { isSelectorError, matches, parseSelector } from '../api/labels.ts';
import type { KubeObject } from '../api/protocol.ts';
import type { ClusterState } from './cluster-state.ts';
import type { Verdict } from './conditions.ts';
import type { EventCondition, NodeCondition, ObjectCondition, PodsCondition, RequestCondition } from './spec.ts';

/** Expectations about Kubernetes objects, checked against the committed state in etcd. */

export interface RequestRecord {
  id: string;
  code: number;
  message?: string;
  atMs: number;
}

interface PodView {
  name: string;
  phase: string;
  ready: boolean;
  node: string | undefined;
}

function podView(pod: KubeObject): PodView {
  const status = (pod.status ?? {}) as { phase?: string; conditions?: { type: string; status: string }[] };
  return {
    name: pod.metadata?.name ?? '',
    phase: status.phase ?? 'Pending',
    ready: (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    node: (pod.spec as { nodeName?: string } | undefined)?.nodeName,
  };
}

export function checkPods(cond: PodsCondition, state: ClusterState): Verdict {
  let pods = state.list('pods', cond.namespace);
  if (cond.selector) {
    const selector = parseSelector(cond.selector);
    if (isSelectorError(selector)) return { ok: false, detail: `bad selector ${cond.selector}: ${selector.error}` };
    pods = pods.filter((p) => matches(selector, p.metadata?.labels ?? {}));
  }
  const views = pods.filter((p) => !p.metadata?.deletionTimestamp || cond.phase !== 'Running').map(podView);
  const fits = (v: PodView): boolean =>
    (cond.phase === undefined || v.phase === cond.phase) && (cond.ready === undefined || v.ready === cond.ready) && (cond.scheduled === undefined || (v.node !== undefined) === cond.scheduled);
  const matching = views.filter(fits);
  const summary = summarize(views);
  const what = [cond.phase, cond.ready === undefined ? '' : cond.ready ? 'ready' : 'not ready', cond.scheduled === undefined ? '' : cond.scheduled ? 'scheduled' : 'unscheduled'].filter(Boolean).join(', ') || 'present';
  const scope = `pods${cond.selector ? ` matching ${cond.selector}` : ''}${cond.namespace ? ` in ${cond.namespace}` : ''}`;
  if (cond.count !== undefined) {
    return { ok: matching.length === cond.count, detail: `${matching.length} ${scope} ${what} (expected ${cond.count}); ${summary}` };
  }
  return { ok: views.length > 0 && matching.length === views.length, detail: `${matching.length} of ${views.length} ${scope} ${what}; ${summary}` };
}

function summarize(views: PodView[]): string {
  if (views.length === 0) return 'no pods';
  const byPhase = new Map<string, number>();
  for (const v of views) byPhase.set(v.phase, (byPhase.get(v.phase) ?? 0) + 1);
  return [...byPhase].sort().map(([phase, n]) => `${n} ${phase}`).join(', ');
}

export function checkNode(cond: NodeCondition, state: ClusterState): Verdict {
  const node = state.get('nodes', undefined, cond.name);
  if (cond.registered !== undefined) {
    if (!cond.registered) return { ok: !node, detail: node ? `node ${cond.name} is registered` : `node ${cond.name} is not registered` };
    if (!node) return { ok: false, detail: `node ${cond.name} is not registered` };
  }
  if (!node) return { ok: false, detail: `node ${cond.name} is not registered` };
  if (cond.condition) {
    const conditions = ((node.status as { conditions?: { type: string; status: string; reason?: string }[] } | undefined)?.conditions ?? []);
    const c = conditions.find((x) => x.type === cond.condition!.type);
    const seen = c ? `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}` : `no ${cond.condition.type} condition`;
    return { ok: c?.status === cond.condition.status, detail: `node ${cond.name}: ${seen}` };
  }
  return { ok: true, detail: `node ${cond.name} is registered` };
}

export function fieldAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    // A field name maybe followed by list indexes: `containers[0]`, `matrix[1][2]`.
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    const name = m ? m[1]! : part;
    const indexes = m && m[2] ? [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1])) : [];
    if (cur === null || typeof cur !== 'object') return undefined;
    if (name !== '') cur = (cur as Record<string, unknown>)[name];
    for (const i of indexes) {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[i];
    }
  }
  return cur;
}

export function checkObject(cond: ObjectCondition, state: ClusterState): Verdict {
  const ref = cond.object;
  const obj = state.get(ref.kind, ref.namespace, ref.name);
  const name = `${ref.kind}/${ref.name}`;
  if (cond.exists !== undefined && cond.field === undefined) return { ok: !!obj === cond.exists, detail: `${name} ${obj ? 'exists' : 'does not exist'}` };
  if (!obj) return { ok: false, detail: `${name} does not exist` };
  if (cond.field === undefined) return { ok: true, detail: `${name} exists` };
  const value = fieldAt(obj, cond.field);
  if (cond.exists !== undefined) return { ok: (value !== undefined) === cond.exists, detail: `${name} ${cond.field} is ${value === undefined ? 'unset' : JSON.stringify(value)}` };
  const ok = value === cond.equals || (value !== undefined && String(value) === String(cond.equals));
  return { ok, detail: `${name} ${cond.field} = ${value === undefined ? 'unset' : JSON.stringify(value)}; expected ${JSON.stringify(cond.equals)}` };
}

export function checkRequest(cond: RequestCondition, requests: ReadonlyMap<string, RequestRecord>): Verdict {
  const r = requests.get(cond.id);
  if (!r) return { ok: false, detail: `request ${cond.id} has no answer yet` };
  const verdicts: Verdict[] = [];
  if (cond.code !== undefined) verdicts.push({ ok: r.code === cond.code, detail: `${cond.id} answered ${r.code}${r.message ? `: ${r.message}` : ''}` });
  if (cond.messageContains !== undefined) verdicts.push({ ok: (r.message ?? '').includes(cond.messageContains), detail: `${cond.id} message: ${r.message ?? '(none)'}` });
  const failed = verdicts.find((v) => !v.ok);
  return failed ?? { ok: true, detail: verdicts.map((v) => v.detail).join('; ') || `${cond.id} answered ${r.code}` };
}

export function checkEvent(cond: EventCondition, state: ClusterState): Verdict {
  const events = state.list('events', cond.namespace).filter((e) => e.reason === cond.reason);
  const matching = events.filter((e) => {
    if (cond.messageContains !== undefined && !String(e.message ?? '').includes(cond.messageContains)) return false;
    const involved = (e.involvedObject ?? {}) as { kind?: string; name?: string };
    if (cond.object && (involved.name !== cond.object.name || (involved.kind ?? '').toLowerCase() !== kindName(cond.object.kind))) return false;
    return true;
  });
  const sample = (matching[0] ?? events[0])?.message;
  return {
    ok: matching.length > 0,
    detail: matching.length > 0 ? `${matching.length} ${cond.reason} event(s): ${String(sample)}` : events.length > 0 ? `${events.length} ${cond.reason} event(s), none matching; e.g. ${String(sample)}` : `no ${cond.reason} event`,
  };
}

const KIND_ALIASES: Record<string, string> = { po: 'pod', pods: 'pod', no: 'node', nodes: 'node', deploy: 'deployment', deployments: 'deployment', rs: 'replicaset', replicasets: 'replicaset', svc: 'service', services: 'service', ns: 'namespace', namespaces: 'namespace' };

function kindName(kind: string): string {
  const k = kind.toLowerCase();
  return KIND_ALIASES[k] ?? k;
}
