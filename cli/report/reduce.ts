/**
 * `kubesim report`: the trace reduced to what the page draws — per-lane intervals, counts over
 * time, markers and a compact event log. Pure: the same events give the same data, and every
 * function here is tested on hand-made traces (test/report/reduce.test.ts).
 *
 * Intervals are tuples `[fromMs, toMs, ...]` (half-open, `toMs` the end of the run for the last),
 * so a 5000-node trace stays a few arrays per lane instead of an object per change.
 */
import type { TraceEvent } from '../../actors/kernel/trace.ts';

/** An etcd member's role and term from `fromMs` to `toMs` (no span while its host is crashed: a gap). */
export type RoleSpan = [fromMs: number, toMs: number, role: string, term: number];
/** A lane of labelled spans: node status, a taint, cordon, a control-plane leader. */
export type Span = [fromMs: number, toMs: number, label: string];

export interface Band {
  fromMs: number;
  toMs: number;
  /** partition: groups cannot reach each other; cut: `groups[0]` cannot reach `groups[1]` (one way); isolate: each target alone. */
  kind: 'partition' | 'cut' | 'isolate';
  groups: string[][];
  seq: number;
}

export interface Marker {
  t: number;
  seq: number;
  kind: 'fault' | 'expect' | 'invariant';
  ok: boolean;
  label: string;
  detail: string;
}

/** Counts per key over time: at `t[i]` the counts become `counts[key][i]` (a step function). */
export interface Series {
  t: number[];
  counts: Record<string, number[]>;
}

/** A pod's life: phase and node over time (`node` '' before it is bound). */
export type PodSpan = [fromMs: number, toMs: number, phase: string, node: string];

export interface TrafficLane {
  source: string;
  bucketMs: number;
  /** Requests answered per backend pod (or backend address), per bucket. */
  backends: Record<string, number[]>;
  errors: number[];
  /** Results other than ok, totalled. */
  errorKinds: Record<string, number>;
}

export interface RolloutLane {
  deployment: string;
  /** ReplicaSet name → Running pods over time (old and new side by side). */
  running: Series;
  /** ReplicaSet name → desired replicas as the deployment controller scaled it. */
  desired: Series;
}

export interface EventLog {
  kinds: string[];
  components: string[];
  t: number[];
  seq: number[];
  /** Index into `kinds`. */
  kind: number[];
  /** Index into `components`. */
  component: number[];
  text: string[];
}

export interface ReportData {
  title: string;
  durationMs: number;
  events: number;
  etcd: { members: string[]; roles: Record<string, RoleSpan[]> };
  leaders: Record<string, Span[]>;
  bands: Band[];
  markers: Marker[];
  /** status: the node-lifecycle controller's view; down: the host crashed; summary: counts per status, and `down` apart (not stacked with them). */
  nodes: { names: string[]; status: Record<string, Span[]>; down: Record<string, Span[]>; taints: Record<string, Span[]>; cordoned: Record<string, Span[]>; summary: Series };
  pods: { names: string[]; spans: Record<string, PodSpan[]>; workloadOf: Record<string, string>; byWorkload: Record<string, Series> };
  rollouts: RolloutLane[];
  traffic: TrafficLane[];
  log: EventLog;
}

export interface ReduceOptions {
  title?: string;
  /** The run's end (virtual ms); default: the last event's time. */
  durationMs?: number;
  /** Traffic buckets: about this many across the run. */
  trafficBuckets?: number;
  /** Longest log text per event (characters). */
  logTextChars?: number;
}

/** Builds spans from "from now on, key is X" changes, closing each at the next change. */
class SpanBuilder<T extends unknown[]> {
  readonly spans = new Map<string, [number, number, ...T][]>();
  private readonly open = new Map<string, [number, number, ...T]>();

  set(key: string, t: number, ...value: T): void {
    const cur = this.open.get(key);
    if (cur && sameTail(cur, value)) return;
    if (cur) {
      cur[1] = t;
      // A change at the very instant the span opened replaces it.
      if (cur[0] === t) this.spans.get(key)!.pop();
    }
    const span = [t, t, ...value] as [number, number, ...T];
    let list = this.spans.get(key);
    if (!list) this.spans.set(key, (list = []));
    const prev = list[list.length - 1];
    if (prev && prev[1] === t && sameTail(prev, value)) {
      this.open.set(key, prev);
      return;
    }
    list.push(span);
    this.open.set(key, span);
  }

  /** Ends the key's open span at t (a gap follows). */
  end(key: string, t: number): void {
    const cur = this.open.get(key);
    if (!cur) return;
    cur[1] = t;
    if (cur[0] === t) this.spans.get(key)!.pop();
    this.open.delete(key);
  }

  current(key: string): [number, number, ...T] | undefined {
    return this.open.get(key);
  }

  finish(endMs: number): Record<string, [number, number, ...T][]> {
    for (const span of this.open.values()) span[1] = Math.max(span[0], endMs);
    this.open.clear();
    const out: Record<string, [number, number, ...T][]> = {};
    for (const key of [...this.spans.keys()].sort(compareNames)) out[key] = this.spans.get(key)!;
    return out;
  }
}

function sameTail(span: unknown[], value: unknown[]): boolean {
  for (let i = 0; i < value.length; i++) if (span[i + 2] !== value[i]) return false;
  return true;
}

/** Names in natural order: worker-2 before worker-10. */
export function compareNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Counts per key as a step function, one point per instant at which a count changed. */
class CountSeries {
  private readonly current = new Map<string, number>();
  readonly t: number[] = [];
  private readonly points: Map<string, number>[] = [];

  add(key: string, t: number, delta: number): void {
    this.current.set(key, (this.current.get(key) ?? 0) + delta);
    const last = this.t.length - 1;
    if (last >= 0 && this.t[last] === t) this.points[last] = new Map(this.current);
    else {
      this.t.push(t);
      this.points.push(new Map(this.current));
    }
  }

  finish(): Series {
    const keys = new Set<string>();
    for (const p of this.points) for (const k of p.keys()) keys.add(k);
    const counts: Record<string, number[]> = {};
    for (const k of [...keys].sort(compareNames)) counts[k] = this.points.map((p) => p.get(k) ?? 0);
    return { t: this.t, counts };
  }
}

/** The component a line is about, for the log's filter. */
export function componentOf(e: TraceEvent): string {
  for (const field of ['member', 'node', 'reporter', 'scheduler', 'component', 'controller', 'source', 'client', 'voter', 'from']) {
    const v = e[field];
    if (typeof v === 'string' && v !== '') return v;
  }
  if (e.kind === 'fault' || e.kind === 'expect' || e.kind === 'invariant') return 'scenario';
  return e.kind.split('.')[0]!;
}

/** One line of the log: the kind's fields as `key=value`, shortened. */
export function logText(e: TraceEvent, maxChars: number): string {
  const parts: string[] = [];
  for (const key of Object.keys(e)) {
    if (key === 't' || key === 'seq' || key === 'kind') continue;
    const v = e[key];
    if (v === undefined) continue;
    parts.push(`${key}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  const text = parts.join(' ');
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

/** Pod phases in the order they are stacked. */
export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;
/** Node statuses: Ready / NotReady / Unknown as the node-lifecycle controller sees them (a crashed host is apart: `nodes.down`). */
export const NODE_STATUSES = ['Ready', 'NotReady', 'Unknown'] as const;

/** Taints whose removal by the node-lifecycle controller means the node is Ready again. */
const CONDITION_TAINTS = ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'];

/**
 * The report's data from a trace's lines (in order). Needs the `normal` trace level: at
 * `summary` only faults, roles, leaders and verdicts are there, and the node, pod and traffic
 * lanes stay empty.
 */
export function reduceTrace(events: Iterable<TraceEvent>, options: ReduceOptions = {}): ReportData {
  const reducer = createReportReducer(options);
  for (const e of events) reducer.add(e);
  return reducer.finish();
}

/** The same, a line at a time: `add` each line as a run records it, `finish` once at the end. */
export function createReportReducer(options: ReduceOptions = {}): { add: (e: TraceEvent) => void; finish: (durationMs?: number) => ReportData } {
  const maxText = options.logTextChars ?? 160;
  const roles = new SpanBuilder<[string, number]>();
  const members = new Set<string>();
  const leaders = new SpanBuilder<[string]>();
  const bands: Band[] = [];
  const openBands: Band[] = [];
  const markers: Marker[] = [];
  const nodeStatus = new SpanBuilder<[string]>();
  const nodeDown = new SpanBuilder<[string]>();
  const taints = new SpanBuilder<[string]>();
  const cordoned = new SpanBuilder<[string]>();
  const nodes = new Set<string>();
  const crashed = new Set<string>();
  const nodeSummary = new CountSeries();
  const pods = new SpanBuilder<[string, string]>();
  const podState = new Map<string, { phase: string; node: string; gone: boolean }>();
  const workloadOf = new Map<string, string>();
  const byWorkload = new Map<string, CountSeries>();
  const rsOfPod = new Map<string, string>();
  const deploymentOfRs = new Map<string, string>();
  const rsRunning = new Map<string, CountSeries>();
  const rsDesired = new Map<string, CountSeries>();
  const runningPods = new Set<string>();
  const trafficRaw: { t: number; source: string; backend: string; ok: boolean; result: string }[] = [];
  const log: EventLog = { kinds: [], components: [], t: [], seq: [], kind: [], component: [], text: [] };
  const kindIndex = new Map<string, number>();
  const componentIndex = new Map<string, number>();
  let lastT = 0;
  let count = 0;

  const seeNode = (name: string, t: number): void => {
    if (name === '' || nodes.has(name)) return;
    nodes.add(name);
    nodeStatus.set(name, t, 'Ready');
    nodeSummary.add('Ready', t, 1);
  };
  const setNodeStatus = (name: string, t: number, status: string): void => {
    seeNode(name, t);
    const before = nodeStatus.current(name)?.[2];
    if (before === status) return;
    nodeStatus.set(name, t, status);
    if (before !== undefined) nodeSummary.add(before, t, -1);
    nodeSummary.add(status, t, 1);
  };
  const workloadSeries = (w: string): CountSeries => {
    let s = byWorkload.get(w);
    if (!s) byWorkload.set(w, (s = new CountSeries()));
    return s;
  };
  /** A pod's phase (and node) from now on; counted under its workload. */
  const setPod = (key: string, t: number, phase: string | null, node?: string): void => {
    const before = podState.get(key);
    if (before?.gone) return;
    const w = workloadOf.get(key) ?? workloadFromName(key);
    if (!workloadOf.has(key)) workloadOf.set(key, w);
    const next = { phase: phase ?? before?.phase ?? 'Pending', node: node ?? before?.node ?? '', gone: false };
    if (before && before.phase !== next.phase) workloadSeries(w).add(before.phase, t, -1);
    if (!before || before.phase !== next.phase) workloadSeries(w).add(next.phase, t, 1);
    podState.set(key, next);
    pods.set(key, t, next.phase, next.node);
    if (next.node) seeNode(next.node, t);
    const rs = rsOfPod.get(key);
    if (rs) {
      const running = next.phase === 'Running';
      if (running !== runningPods.has(key)) {
        if (running) runningPods.add(key);
        else runningPods.delete(key);
        rsSeries(rsRunning, rs).add(rs, t, running ? 1 : -1);
      }
    }
  };
  const podGone = (key: string, t: number): void => {
    const before = podState.get(key);
    if (!before || before.gone) return;
    workloadSeries(workloadOf.get(key)!).add(before.phase, t, -1);
    podState.set(key, { ...before, gone: true });
    pods.end(key, t);
    const rs = rsOfPod.get(key);
    if (rs && runningPods.delete(key)) rsSeries(rsRunning, rs).add(rs, t, -1);
  };
  const rsSeries = (map: Map<string, CountSeries>, rs: string): CountSeries => {
    const d = deploymentOfRs.get(rs) ?? rs;
    let s = map.get(d);
    if (!s) map.set(d, (s = new CountSeries()));
    return s;
  };

  const add = (e: TraceEvent): void => {
    count++;
    const t = e.t;
    if (t > lastT) lastT = t;
    switch (e.kind) {
      case 'raft.role': {
        const m = String(e['member']);
        members.add(m);
        if (!crashed.has(m)) roles.set(m, t, String(e['role']), Number(e['term']));
        break;
      }
      case 'k8s.leader': {
        const component = String(e['component']);
        const identity = String(e['identity']);
        if (e['leader'] === true) leaders.set(component, t, identity);
        else if (leaders.current(component)?.[2] === identity) leaders.end(component, t);
        break;
      }
      case 'fault': {
        const action = String(e['action']);
        const targets = Array.isArray(e['targets']) ? (e['targets'] as string[]).map(String) : [];
        markers.push({ t, seq: e.seq, kind: 'fault', ok: true, label: `${action} ${targets.join(', ')}`.trim(), detail: logText(e, 400) });
        if (action === 'partition' || action === 'cut' || action === 'isolate') {
          const groups = action === 'partition' ? (e['groups'] as string[][]) : action === 'cut' ? [e['from'] as string[], e['to'] as string[]] : targets.map((x) => [x]);
          const band: Band = { fromMs: t, toMs: t, kind: action, groups, seq: e.seq };
          bands.push(band);
          openBands.push(band);
        } else if (action === 'heal') {
          // heal: all names every host; heal of some hosts ends the faults that involve them.
          const healed = new Set(targets);
          for (let i = openBands.length - 1; i >= 0; i--) {
            const b = openBands[i]!;
            if (b.groups.flat().some((h) => healed.has(h))) {
              b.toMs = t;
              openBands.splice(i, 1);
            }
          }
        } else if (action === 'crash') {
          for (const h of targets) {
            crashed.add(h);
            // A crashed member has no role: its lane shows a gap until its first role after the restart.
            roles.end(h, t);
            // A node's host down: drawn over its lane, while the status stays the control plane's view.
            if (nodes.has(h)) {
              nodeDown.set(h, t, 'down');
              nodeSummary.add('down', t, 1);
            }
          }
        } else if (action === 'restart') {
          for (const h of targets) {
            crashed.delete(h);
            if (nodeDown.current(h)) {
              nodeDown.end(h, t);
              nodeSummary.add('down', t, -1);
            }
          }
        } else if (action === 'add-nodes') {
          for (const n of targets) seeNode(n, t);
        }
        break;
      }
      case 'expect':
        markers.push({ t, seq: e.seq, kind: 'expect', ok: e['ok'] === true, label: String(e['name']), detail: String(e['detail'] ?? '') });
        break;
      case 'invariant':
        markers.push({ t, seq: e.seq, kind: 'invariant', ok: false, label: String(e['name']), detail: String(e['detail'] ?? '') });
        break;
      case 'k8s.controller': {
        const action = String(e['action']);
        const object = String(e['object'] ?? '');
        const detail = String(e['detail'] ?? '');
        if (object.startsWith('node/')) {
          const node = object.slice(5);
          if (action === 'marked-unknown') {
            const m = /^Ready=(\w+)/.exec(detail);
            const status = m?.[1] === 'False' ? 'NotReady' : m?.[1] === 'True' ? 'Ready' : 'Unknown';
            setNodeStatus(node, t, status);
          } else if (action === 'taint-added' || action === 'taint-removed') {
            seeNode(node, t);
            const taint = detail;
            if (action === 'taint-added') taints.set(`${node}\u0000${taint}`, t, taint);
            else {
              taints.end(`${node}\u0000${taint}`, t);
              // The controller lifts its condition taints when the node reports Ready again.
              if (CONDITION_TAINTS.some((c) => taint.startsWith(c))) setNodeStatus(node, t, 'Ready');
            }
          }
        } else if (action === 'replicaset-created') {
          const rs = object.replace(/^replicaset\//, '');
          const m = /deployment (\S+)/.exec(detail);
          if (m) deploymentOfRs.set(rs, `${rs.split('/')[0]}/${m[1]}`);
        } else if (action === 'replicaset-scaled') {
          const rs = object.replace(/^replicaset\//, '');
          const m = /(\d+)\s*→\s*(\d+)/.exec(detail);
          if (m) rsSeries(rsDesired, rs).add(rs, t, Number(m[2]) - Number(m[1]));
        } else if (action === 'pod-evicted' && object.startsWith('pod/')) {
          podGone(object.slice(4), t);
        }
        break;
      }
      case 'k8s.event': {
        const reason = String(e['reason']);
        const message = String(e['message'] ?? '');
        const object = String(e['object'] ?? '');
        const ns = String(e['namespace'] ?? 'default');
        if (reason === 'SuccessfulCreate' && message.startsWith('Created pod: ')) {
          const key = `${ns}/${message.slice('Created pod: '.length)}`;
          const owner = object.split('/');
          if (owner[0] === 'replicaset') {
            const rs = `${ns}/${owner[1]}`;
            rsOfPod.set(key, rs);
            workloadOf.set(key, deploymentOfRs.get(rs) ?? rs);
          } else if (owner.length === 2) workloadOf.set(key, `${ns}/${owner[1]}`);
          setPod(key, t, null);
        } else if (reason === 'SuccessfulDelete' && message.startsWith('Deleted pod: ')) {
          podGone(`${ns}/${message.slice('Deleted pod: '.length)}`, t);
        }
        break;
      }
      case 'k8s.request': {
        const resource = String(e['resource']);
        const verb = String(e['verb']);
        const code = Number(e['code']);
        const ok = code >= 200 && code < 300;
        if (resource === 'pods' && ok && verb === 'create') setPod(`${e['namespace'] ?? 'default'}/${e['name']}`, t, null);
        else if (resource === 'pods' && ok && verb === 'delete') podGone(`${e['namespace'] ?? 'default'}/${e['name']}`, t);
        else if (resource === 'nodes' && ok) {
          const node = String(e['name']);
          seeNode(node, t);
          if (verb === 'cordon' || (verb === 'drain' && /cordoned/.test(String(e['message'] ?? '')))) cordoned.set(node, t, 'cordoned');
          else if (verb === 'uncordon') cordoned.end(node, t);
        }
        break;
      }
      case 'k8s.schedule': {
        const node = e['node'];
        if (typeof node === 'string' && node !== '') setPod(String(e['pod']), t, 'Pending', node);
        else setPod(String(e['pod']), t, 'Pending');
        break;
      }
      case 'k8s.pod':
        setPod(`${e['namespace'] ?? 'default'}/${e['pod']}`, t, String(e['phase']), String(e['node'] ?? ''));
        break;
      case 'k8s.running':
      case 'k8s.proxy':
      case 'k8s.dns':
        if (typeof e['node'] === 'string') seeNode(e['node'], t);
        break;
      case 'k8s.traffic':
        trafficRaw.push({ t, source: String(e['source'] ?? 'traffic'), backend: String(e['pod'] ?? e['backend'] ?? '(none)'), ok: e['result'] === 'ok', result: String(e['result']) });
        break;
    }
    // The log: every line, as columns.
    let k = kindIndex.get(e.kind);
    if (k === undefined) {
      k = log.kinds.length;
      log.kinds.push(e.kind);
      kindIndex.set(e.kind, k);
    }
    const compName = componentOf(e);
    let c = componentIndex.get(compName);
    if (c === undefined) {
      c = log.components.length;
      log.components.push(compName);
      componentIndex.set(compName, c);
    }
    log.t.push(t);
    log.seq.push(e.seq);
    log.kind.push(k);
    log.component.push(c);
    log.text.push(logText(e, maxText));
  };

  const finish = (endMs?: number): ReportData => {
    const durationMs = Math.max(endMs ?? options.durationMs ?? 0, lastT);
    for (const b of openBands) b.toMs = durationMs;
    const summary = nodeSummary.finish();
    const rollouts: RolloutLane[] = [];
    for (const d of [...new Set([...rsRunning.keys(), ...rsDesired.keys()])].sort(compareNames)) {
      const running = rsRunning.get(d)?.finish() ?? { t: [], counts: {} };
      const desired = rsDesired.get(d)?.finish() ?? { t: [], counts: {} };
      // Side by side only where there was a rollout: two ReplicaSets or more.
      if (new Set([...Object.keys(running.counts), ...Object.keys(desired.counts)]).size >= 2) rollouts.push({ deployment: d, running, desired });
    }
    const podSpans = pods.finish(durationMs);
    const workloads: Record<string, Series> = {};
    for (const w of [...byWorkload.keys()].sort(compareNames)) workloads[w] = byWorkload.get(w)!.finish();
    const workloadRecord: Record<string, string> = {};
    for (const p of Object.keys(podSpans)) workloadRecord[p] = workloadOf.get(p) ?? workloadFromName(p);
    const statusSpans = nodeStatus.finish(durationMs);
    const taintSpans: Record<string, Span[]> = {};
    for (const [key, spans] of Object.entries(taints.finish(durationMs))) {
      const node = key.split('\u0000')[0]!;
      (taintSpans[node] ??= []).push(...spans);
    }
    for (const spans of Object.values(taintSpans)) spans.sort((a, b) => a[0] - b[0]);
    return {
      title: options.title ?? 'kubesim report',
      durationMs,
      events: count,
      etcd: { members: [...members].sort(compareNames), roles: roles.finish(durationMs) },
      leaders: leaders.finish(durationMs),
      bands,
      markers,
      nodes: { names: Object.keys(statusSpans), status: statusSpans, down: nodeDown.finish(durationMs), taints: taintSpans, cordoned: cordoned.finish(durationMs), summary },
      pods: { names: Object.keys(podSpans), spans: podSpans, workloadOf: workloadRecord, byWorkload: workloads },
      rollouts,
      traffic: bucketTraffic(trafficRaw, durationMs, options.trafficBuckets ?? 120),
      log,
    };
  };
  return { add, finish };
}

/** A pod's workload when no controller event named it: the name less its generated suffixes. */
export function workloadFromName(podKey: string): string {
  return podKey.replace(/-[a-z0-9]{5}$/, '').replace(/-[a-f0-9]{8,10}$/, '').replace(/-\d+$/, '');
}

/** Traffic results per source, counted in buckets of a round width. */
export function bucketTraffic(lines: readonly { t: number; source: string; backend: string; ok: boolean; result: string }[], durationMs: number, buckets: number): TrafficLane[] {
  if (lines.length === 0) return [];
  const raw = Math.max(1, Math.ceil(durationMs / Math.max(1, buckets)));
  const bucketMs = [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 3_600_000].find((w) => w >= raw) ?? raw;
  const n = Math.floor(durationMs / bucketMs) + 1;
  const bySource = new Map<string, TrafficLane>();
  for (const l of lines) {
    let lane = bySource.get(l.source);
    if (!lane) bySource.set(l.source, (lane = { source: l.source, bucketMs, backends: {}, errors: new Array<number>(n).fill(0), errorKinds: {} }));
    const i = Math.min(n - 1, Math.floor(l.t / bucketMs));
    if (l.ok) (lane.backends[l.backend] ??= new Array<number>(n).fill(0))[i]!++;
    else {
      lane.errors[i]!++;
      lane.errorKinds[l.result] = (lane.errorKinds[l.result] ?? 0) + 1;
    }
  }
  return [...bySource.values()].sort((a, b) => compareNames(a.source, b.source)).map((lane) => {
    const backends: Record<string, number[]> = {};
    for (const k of Object.keys(lane.backends).sort(compareNames)) backends[k] = lane.backends[k]!;
    return { ...lane, backends };
  });
}
