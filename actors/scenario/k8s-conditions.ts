import { isPodReady } from '../api/pod-ready.ts';
import { valueAtFieldPath } from '../api/fields.ts';
import { isSelectorError, matches, parseSelector, type Selector } from '../api/labels.ts';
import type { KubeObject } from '../api/protocol.ts';
import type { ClusterState } from './cluster-state.ts';
import type { Verdict } from './conditions.ts';
import { describeMatch, matchValue } from './match.ts';
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
    ready: isPodReady(pod),
    node: (pod.spec as { nodeName?: string } | undefined)?.nodeName,
  };
}

/** Whether one pod satisfies the condition's phase, ready, scheduled and nodeName fields. */
export function podFits(cond: PodsCondition, v: PodView): boolean {
  return (
    (cond.phase === undefined || v.phase === cond.phase) &&
    (cond.ready === undefined || v.ready === cond.ready) &&
    (cond.scheduled === undefined || (v.node !== undefined) === cond.scheduled) &&
    (cond.nodeName === undefined || matchValue(cond.nodeName, v.node))
  );
}

/**
 * What a pods condition has seen, kept up to date one pod at a time (`set` on every change of a
 * pod), so a verdict costs the pods that changed, not every pod: the pods it counts (they match
 * the selector, and are not terminating when Running pods are counted), how many of them fit,
 * and how many are in each phase.
 */
export class PodsTally {
  private readonly counted = new Map<string, { phase: string; fits: boolean; name: string; node: string | undefined }>();
  private readonly selector: Selector | undefined;
  /** A selector that does not parse is the verdict. */
  private readonly selectorError: Verdict | undefined;
  private matching = 0;
  private readonly byPhase = new Map<string, number>();

  constructor(readonly cond: PodsCondition) {
    const selector = cond.selector ? parseSelector(cond.selector) : undefined;
    if (selector && isSelectorError(selector)) this.selectorError = { ok: false, detail: `bad selector ${cond.selector}: ${selector.error}` };
    else this.selector = selector;
  }

  /** The pod stored under `key` is now `pod` (undefined: deleted). */
  set(key: string, pod: KubeObject | undefined): void {
    const before = this.counted.get(key);
    if (before) {
      this.counted.delete(key);
      if (before.fits) this.matching--;
      const n = this.byPhase.get(before.phase)! - 1;
      if (n === 0) this.byPhase.delete(before.phase);
      else this.byPhase.set(before.phase, n);
    }
    if (!pod || !this.counts(pod)) return;
    const v = podView(pod);
    const fits = podFits(this.cond, v);
    this.counted.set(key, { phase: v.phase, fits, name: v.name, node: v.node });
    if (fits) this.matching++;
    this.byPhase.set(v.phase, (this.byPhase.get(v.phase) ?? 0) + 1);
  }

  clear(): void {
    this.counted.clear();
    this.byPhase.clear();
    this.matching = 0;
  }

  private counts(pod: KubeObject): boolean {
    if (this.selectorError || (this.selector && !matches(this.selector, pod.metadata?.labels ?? {}))) return false;
    return !pod.metadata?.deletionTimestamp || this.cond.phase !== 'Running';
  }

  verdict(): Verdict {
    const cond = this.cond;
    if (this.selectorError) return this.selectorError;
    const views = this.counted.size;
    const matching = this.matching;
    // Where the pods run is listed only when the condition is about it (it costs every pod).
    const nodes = cond.nodeName === undefined ? undefined : [...this.counted.values()].map((c) => `${c.name} on ${c.node ?? '(unscheduled)'}`).sort();
    const summary = summarize(this.byPhase, nodes);
    const what =
      [
        cond.phase,
        cond.ready === undefined ? '' : cond.ready ? 'ready' : 'not ready',
        cond.scheduled === undefined ? '' : cond.scheduled ? 'scheduled' : 'unscheduled',
        cond.nodeName === undefined ? '' : `on a node ${describeMatch(cond.nodeName)}`,
      ]
        .filter(Boolean)
        .join(', ') || 'present';
    const scope = `pods${cond.selector ? ` matching ${cond.selector}` : ''}${cond.namespace ? ` in ${cond.namespace}` : ''}`;
    if (cond.count !== undefined) {
      return { ok: matching === cond.count, detail: `${matching} ${scope} ${what} (expected ${cond.count}); ${summary}` };
    }
    return { ok: views > 0 && matching === views, detail: `${matching} of ${views} ${scope} ${what}; ${summary}` };
  }
}

export function checkPods(cond: PodsCondition, state: ClusterState): Verdict {
  const tally = new PodsTally(cond);
  for (const [key, pod] of state.entries('pods', cond.namespace)) tally.set(key, pod);
  return tally.verdict();
}

function summarize(byPhase: ReadonlyMap<string, number>, nodes?: readonly string[]): string {
  if (byPhase.size === 0) return 'no pods';
  const phases = [...byPhase].sort().map(([phase, n]) => `${n} ${phase}`).join(', ');
  return nodes === undefined ? phases : `${phases}; ${nodes.join(', ')}`;
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
    return { ok: matchValue(cond.condition.status, c?.status), detail: `node ${cond.name}: ${seen}` };
  }
  return { ok: true, detail: `node ${cond.name} is registered` };
}

export function checkObject(cond: ObjectCondition, state: ClusterState): Verdict {
  const ref = cond.object;
  const obj = state.get(ref.kind, ref.namespace, ref.name);
  const name = `${ref.kind}/${ref.name}`;
  if (cond.exists !== undefined && cond.field === undefined) return { ok: !!obj === cond.exists, detail: `${name} ${obj ? 'exists' : 'does not exist'}` };
  if (!obj) return { ok: false, detail: `${name} does not exist` };
  if (cond.field === undefined) return { ok: true, detail: `${name} exists` };
  const value = valueAtFieldPath(obj, cond.field);
  if (cond.exists !== undefined) return { ok: (value !== undefined) === cond.exists, detail: `${name} ${cond.field} is ${value === undefined ? 'unset' : JSON.stringify(value)}` };
  const ok = cond.equals !== undefined && matchValue(cond.equals, value);
  return { ok, detail: `${name} ${cond.field} = ${value === undefined ? 'unset' : JSON.stringify(value)}; expected ${cond.equals === undefined ? 'a value' : describeMatch(cond.equals)}` };
}

export function checkRequest(cond: RequestCondition, requests: ReadonlyMap<string, RequestRecord>): Verdict {
  const r = requests.get(cond.id);
  if (!r) return { ok: false, detail: `request ${cond.id} has no answer yet` };
  const verdicts: Verdict[] = [];
  if (cond.code !== undefined) verdicts.push({ ok: matchValue(cond.code, r.code), detail: `${cond.id} answered ${r.code}${r.message ? `: ${r.message}` : ''}` });
  if (cond.messageContains !== undefined) verdicts.push({ ok: (r.message ?? '').includes(cond.messageContains), detail: `${cond.id} message: ${r.message ?? '(none)'}` });
  const failed = verdicts.find((v) => !v.ok);
  return failed ?? { ok: true, detail: verdicts.map((v) => v.detail).join('; ') || `${cond.id} answered ${r.code}` };
}

/** Whether one Event of the condition's reason matches its message and involved object. */
export function eventMatches(cond: EventCondition, e: KubeObject): boolean {
  if (cond.messageContains !== undefined && !String(e.message ?? '').includes(cond.messageContains)) return false;
  const involved = (e.involvedObject ?? {}) as { kind?: string; name?: string };
  if (cond.object && (involved.name !== cond.object.name || (involved.kind ?? '').toLowerCase() !== kindName(cond.object.kind))) return false;
  return true;
}

/**
 * What an event condition has seen, kept up to date one Event at a time: the Events of its
 * reason (by etcd key), which of them match, and the first of each in key order (the sample
 * the verdict quotes, as a list in key order would give it).
 */
export class EventsTally {
  private readonly ofReason = new Map<string, { matching: boolean; message: unknown }>();
  private matching = 0;
  /** The smallest key of each kind; null when it must be looked for again. */
  private firstMatching: string | undefined | null = undefined;
  private firstOfReason: string | undefined | null = undefined;

  constructor(readonly cond: EventCondition) {}

  /** The Event stored under `key` is now `e` (undefined: deleted). */
  set(key: string, e: KubeObject | undefined): void {
    const before = this.ofReason.get(key);
    if (before) {
      this.ofReason.delete(key);
      if (before.matching) {
        this.matching--;
        if (this.firstMatching === key) this.firstMatching = null;
      }
      if (this.firstOfReason === key) this.firstOfReason = null;
    }
    if (!e || e.reason !== this.cond.reason) return;
    const matching = eventMatches(this.cond, e);
    this.ofReason.set(key, { matching, message: e.message });
    if (this.firstOfReason !== null && (this.firstOfReason === undefined || key < this.firstOfReason)) this.firstOfReason = key;
    if (matching) {
      this.matching++;
      if (this.firstMatching !== null && (this.firstMatching === undefined || key < this.firstMatching)) this.firstMatching = key;
    }
  }

  clear(): void {
    this.ofReason.clear();
    this.matching = 0;
    this.firstMatching = undefined;
    this.firstOfReason = undefined;
  }

  private first(matchingOnly: boolean): string | undefined {
    let first: string | undefined;
    for (const [key, entry] of this.ofReason) if ((!matchingOnly || entry.matching) && (first === undefined || key < first)) first = key;
    return first;
  }

  verdict(): Verdict {
    const cond = this.cond;
    if (this.firstMatching === null) this.firstMatching = this.first(true);
    if (this.firstOfReason === null) this.firstOfReason = this.first(false);
    const events = this.ofReason.size;
    const matching = this.matching;
    const sampleKey = this.firstMatching ?? this.firstOfReason;
    const sample = sampleKey === undefined ? undefined : this.ofReason.get(sampleKey)?.message;
    return {
      ok: matching > 0,
      detail: matching > 0 ? `${matching} ${cond.reason} event(s): ${String(sample)}` : events > 0 ? `${events} ${cond.reason} event(s), none matching; e.g. ${String(sample)}` : `no ${cond.reason} event`,
    };
  }
}

export function checkEvent(cond: EventCondition, state: ClusterState): Verdict {
  const tally = new EventsTally(cond);
  for (const [key, e] of state.entries('events', cond.namespace)) tally.set(key, e);
  return tally.verdict();
}

const KIND_ALIASES: Record<string, string> = { po: 'pod', pods: 'pod', no: 'node', nodes: 'node', deploy: 'deployment', deployments: 'deployment', rs: 'replicaset', replicasets: 'replicaset', svc: 'service', services: 'service', ns: 'namespace', namespaces: 'namespace' };

function kindName(kind: string): string {
  const k = kind.toLowerCase();
  return KIND_ALIASES[k] ?? k;
}
