/**
 * InterPodAffinity against numbers worked out by hand from kube's filtering.go / scoring.go:
 * required affinity, anti-affinity and existing pods' anti-affinity per node (with the reason
 * strings and codes), the first-pod-of-a-group exception, namespaces and namespaceSelector, raw
 * preferred scores and NormalizeScore; then a randomized cross-check of the incremental indices
 * against a direct transcription of kube's per-cycle loops.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { V1Affinity, V1Node, V1Pod, V1PodAffinityTerm } from '@kubernetes/client-node';
import { affinityTermMatches, parsePodAffinity, type AffinityTerm } from '../../actors/scheduler/framework/affinity.ts';
import { CycleState } from '../../actors/scheduler/framework/cycle-state.ts';
import { buildSnapshot, type Snapshot } from '../../actors/scheduler/framework/snapshot.ts';
import { newPodInfo, type PodInfo } from '../../actors/scheduler/framework/pod-info.ts';
import { INITIAL_ROTATION, scheduleOne } from '../../actors/scheduler/framework/schedule-one.ts';
import type { Status } from '../../actors/scheduler/framework/status.ts';
import {
  computeTopologyScore,
  ErrReasonAffinityRulesNotMatch,
  ErrReasonAntiAffinityRulesNotMatch,
  ErrReasonExistingAntiAffinityRulesNotMatch,
  materializeTopologyScore,
  newInterPodAffinity,
  normalizeInterPodAffinityScores,
} from '../../actors/scheduler/plugins/inter-pod-affinity.ts';
import { buildProfile, defaultProfile } from '../../actors/scheduler/plugins/registry.ts';
import { makeNode, makePod } from '../../actors/scheduler/testing/wrappers.ts';

const ZONE = 'topology.kubernetes.io/zone';
const HOST = 'kubernetes.io/hostname';

function node(name: string, zone?: string): V1Node {
  const w = makeNode(name).capacity({ cpu: '8', memory: '16Gi' });
  return (zone === undefined ? w : w.zone(zone)).obj();
}

interface PodSpec {
  ns?: string;
  labels?: Record<string, string>;
  on?: string;
  affinity?: V1Affinity;
  priority?: number;
  cpu?: string;
}

function pod(name: string, s: PodSpec = {}): V1Pod {
  let w = makePod(name, s.ns ?? 'default');
  for (const [k, v] of Object.entries(s.labels ?? {})) w = w.label(k, v);
  if (s.on) w = w.nodeName(s.on);
  if (s.priority !== undefined) w = w.priority(s.priority);
  if (s.cpu) w = w.req({ cpu: s.cpu });
  const p = w.obj();
  if (s.affinity) p.spec!.affinity = s.affinity;
  return p;
}

function term(app: string, topologyKey: string, extra: Partial<V1PodAffinityTerm> = {}): V1PodAffinityTerm {
  return { labelSelector: { matchLabels: { app } }, topologyKey, ...extra };
}

/** PreFilter then Filter on every node: node → 'pass' | `<code>: <reason>` | 'skip'. */
function filterAll(snap: Snapshot, p: V1Pod): Record<string, string> {
  const plugin = newInterPodAffinity();
  const state = new CycleState();
  const pi = newPodInfo(p);
  const pre = plugin.preFilter!(state, pi, snap);
  const out: Record<string, string> = {};
  if (pre !== null && 'code' in pre && pre.code === 'Skip') {
    for (const ni of snap.nodes) out[ni.name] = 'skip';
    return out;
  }
  assert.equal(pre, null);
  for (const ni of snap.nodes) {
    const s: Status | null = plugin.filter!(state, pi, ni);
    out[ni.name] = s === null ? 'pass' : `${s.code}: ${s.reasons.join(' | ')}`;
  }
  return out;
}

const AFF = `UnschedulableAndUnresolvable: ${ErrReasonAffinityRulesNotMatch}`;
const ANTI = `Unschedulable: ${ErrReasonAntiAffinityRulesNotMatch}`;
const EXISTING = `Unschedulable: ${ErrReasonExistingAntiAffinityRulesNotMatch}`;

/**
 * n1 zone a | n2 zone a | n3 zone b | n4 zone b | n5 (no zone label); every node has its hostname.
 * web-1 (default, app=web) on n1; web-2 (team-a, app=web) on n2;
 * db-1 (default, app=db) on n3 with required anti-affinity {app=web, zone} (namespaces: its own, default).
 */
function cluster(): Snapshot {
  return buildSnapshot(
    [node('n1', 'a'), node('n2', 'a'), node('n3', 'b'), node('n4', 'b'), node('n5')],
    [
      pod('web-1', { labels: { app: 'web' }, on: 'n1' }),
      pod('web-2', { ns: 'team-a', labels: { app: 'web' }, on: 'n2' }),
      pod('db-1', { labels: { app: 'db' }, on: 'n3', affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', ZONE)] } } }),
    ],
  );
}

describe('InterPodAffinity Filter (golden)', () => {
  it('required affinity: only nodes in a topology domain holding a matching pod', () => {
    // api requires app=db on hostname. affinityCounts = {(hostname, n3): 1} (db-1, same namespace).
    // n3 has count 1 → pass; n1, n2, n4, n5 have count 0 and the map is not empty → fail.
    const p = pod('api', { labels: { app: 'api' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db', HOST)] } } });
    assert.deepEqual(filterAll(cluster(), p), { n1: AFF, n2: AFF, n3: 'pass', n4: AFF, n5: AFF });
    // The whole cycle: one feasible node, chosen without scoring.
    const r = scheduleOne(defaultProfile(), cluster(), p, INITIAL_ROTATION, () => 0);
    assert.ok('node' in r && r.node === 'n3');
  });

  it("required anti-affinity: the incoming pod's terms block the domains of matching pods", () => {
    // cache is anti app=web on zone; the term's namespaces = {default}: web-1 counts (zone a),
    // web-2 (team-a) does not. antiAffinityCounts = {(zone, a): 1}.
    // n1, n2 (zone a) fail; n3, n4 (zone b) pass; n5 lacks the zone key, so nothing counts there → pass.
    const p = pod('cache', { labels: { app: 'cache' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', ZONE)] } } });
    assert.deepEqual(filterAll(cluster(), p), { n1: ANTI, n2: ANTI, n3: 'pass', n4: 'pass', n5: 'pass' });
  });

  it("existing pods' required anti-affinity rejects the incoming pod in their domain", () => {
    // web (app=web, default) has no affinity of its own, but db-1's term {app=web, zone} matches it:
    // existingAntiAffinityCounts = {(zone, b): 1} → n3, n4 fail; n1, n2, n5 pass.
    const p = pod('web', { labels: { app: 'web' } });
    assert.deepEqual(filterAll(cluster(), p), { n1: 'pass', n2: 'pass', n3: EXISTING, n4: EXISTING, n5: 'pass' });
    // The same pod in team-a is outside db-1's namespaces {default}: nothing applies → PreFilter Skip.
    const other = pod('web-ta', { ns: 'team-a', labels: { app: 'web' } });
    assert.deepEqual(filterAll(cluster(), other), { n1: 'skip', n2: 'skip', n3: 'skip', n4: 'skip', n5: 'skip' });
    // Through scheduleOne: the message counts 2 nodes, and the pod goes to a zone-a node or n5.
    const r = scheduleOne(buildProfile({ plugins: [{ name: 'InterPodAffinity' }], percentageOfNodesToScore: 100 }), cluster(), p, INITIAL_ROTATION, () => 0, { explain: true });
    const verdicts = Object.fromEntries(r.explanation!.nodes.map((n) => [n.node, n.filters.map((f) => `${f.plugin} ${f.code}`).join(',')]));
    assert.deepEqual(verdicts, {
      n1: 'InterPodAffinity Success',
      n2: 'InterPodAffinity Success',
      n3: 'InterPodAffinity Unschedulable',
      n4: 'InterPodAffinity Unschedulable',
      n5: 'InterPodAffinity Success',
    });
  });

  it('the first pod of a group: affinity to itself passes when no pod matches anywhere', () => {
    // new requires app=new on zone. No existing pod matches (affinityCounts is empty) and the pod
    // matches its own term → every node WITH a zone label passes; n5 lacks the key → fails.
    const first = pod('new-0', { labels: { app: 'new' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('new', ZONE)] } } });
    assert.deepEqual(filterAll(cluster(), first), { n1: 'pass', n2: 'pass', n3: 'pass', n4: 'pass', n5: AFF });
    // A pod that does not match its own term gets no such exception: fails everywhere.
    const stranger = pod('stranger', { labels: { app: 'other' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('new', ZONE)] } } });
    assert.deepEqual(filterAll(cluster(), stranger), { n1: AFF, n2: AFF, n3: AFF, n4: AFF, n5: AFF });
    const r = scheduleOne(defaultProfile(), cluster(), stranger, INITIAL_ROTATION, () => 0);
    assert.ok('unschedulable' in r);
    assert.equal(
      r.unschedulable.message,
      "0/5 nodes are available: 5 node(s) didn't match pod affinity rules. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
    );
    // Once new-0 runs on n3 (zone b), the next pod of the group must join zone b.
    const snap = cluster();
    snap.addPod(first, 'n3');
    const second = pod('new-1', { labels: { app: 'new' }, affinity: first.spec!.affinity! });
    assert.deepEqual(filterAll(snap, second), { n1: AFF, n2: AFF, n3: 'pass', n4: 'pass', n5: AFF });
  });

  it('namespaceSelector: merged from the snapshot namespace lookup; {} selects every namespace', () => {
    const withSelector = (sel: object) =>
      pod('f', { labels: { app: 'cache' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', HOST, { namespaceSelector: sel })] } } });
    // No namespace lookup: {team: a} selects no namespace (and the pod's own namespace is not
    // implied once a namespaceSelector is given) → nothing counts, all pass.
    assert.deepEqual(filterAll(cluster(), withSelector({ matchLabels: { team: 'a' } })), { n1: 'pass', n2: 'pass', n3: 'pass', n4: 'pass', n5: 'pass' });
    // With the lookup: team-a is selected → web-2 on n2 counts at (hostname, n2).
    const snap = cluster();
    snap.setNamespace('default', {});
    snap.setNamespace('team-a', { team: 'a' });
    assert.deepEqual(filterAll(snap, withSelector({ matchLabels: { team: 'a' } })), { n1: 'pass', n2: ANTI, n3: 'pass', n4: 'pass', n5: 'pass' });
    // {} selects all namespaces: web-1 (n1) and web-2 (n2).
    assert.deepEqual(filterAll(cluster(), withSelector({})), { n1: ANTI, n2: ANTI, n3: 'pass', n4: 'pass', n5: 'pass' });
    // An explicit namespaces list: only team-a.
    const listed = pod('g', { labels: { app: 'cache' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', HOST, { namespaces: ['team-a'] })] } } });
    assert.deepEqual(filterAll(cluster(), listed), { n1: 'pass', n2: ANTI, n3: 'pass', n4: 'pass', n5: 'pass' });
  });

  it("existing pods' namespaceSelector is matched against the incoming pod's namespace labels", () => {
    // guard (team-a) on n4: anti app=web on hostname for namespaces labelled env=prod.
    const snap = cluster();
    snap.addPod(
      pod('guard', {
        ns: 'team-a',
        labels: { app: 'guard' },
        on: 'n4',
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', HOST, { namespaceSelector: { matchLabels: { env: 'prod' } } })] } },
      }),
    );
    snap.setNamespace('shop', { env: 'prod' });
    // web in shop (env=prod): guard's term matches → (hostname, n4); db-1's term is for default only.
    assert.deepEqual(filterAll(snap, pod('web', { ns: 'shop', labels: { app: 'web' } })), { n1: 'pass', n2: 'pass', n3: 'pass', n4: EXISTING, n5: 'pass' });
    // web in default: db-1 blocks zone b (n3, n4); guard does not apply (default has no env label).
    assert.deepEqual(filterAll(snap, pod('web', { labels: { app: 'web' } })), { n1: 'pass', n2: 'pass', n3: EXISTING, n4: EXISTING, n5: 'pass' });
  });

  it('an invalid selector rejects the pod at PreFilter', () => {
    const bad = pod('bad', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchExpressions: [{ key: 'app', operator: 'Bogus' }] }, topologyKey: HOST }] } } });
    const s = newInterPodAffinity().preFilter!(new CycleState(), newPodInfo(bad), cluster());
    assert.ok(s !== null && 'code' in s);
    assert.equal(s.code, 'UnschedulableAndUnresolvable');
    assert.equal(s.reasons[0], 'parsing pod: "Bogus" is not a valid label selector operator');
  });
});

describe('InterPodAffinity Score (golden)', () => {
  /**
   * n1 zone a | n2 zone a | n3 zone b.
   * p1 app=web on n1; p2 app=web on n3; p3 app=db on n2 with REQUIRED affinity {app=web, zone}.
   * Incoming: app=web; preferred affinity (w 10) {app=web, zone}; preferred anti-affinity (w 4) {app=db, hostname}.
   */
  function scoring() {
    const snap = buildSnapshot(
      [node('n1', 'a'), node('n2', 'a'), node('n3', 'b')],
      [
        pod('p1', { labels: { app: 'web' }, on: 'n1' }),
        pod('p2', { labels: { app: 'web' }, on: 'n3' }),
        pod('p3', { labels: { app: 'db' }, on: 'n2', affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('web', ZONE)] } } }),
      ],
    );
    const incoming = pod('in', {
      labels: { app: 'web' },
      affinity: {
        podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: term('web', ZONE) }] },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 4, podAffinityTerm: term('db', HOST) }] },
      },
    });
    return { snap, incoming };
  }

  it('raw scores per topology pair, then normalized against the real min and max', () => {
    const { snap, incoming } = scoring();
    const pi = newPodInfo(incoming);
    // topologyScore:
    //   preferred affinity {web, zone} ×10: p1 (zone a) +10, p2 (zone b) +10
    //   preferred anti {db, hostname} ×4:   p3 (n2)     −4
    //   p3's required affinity {web, zone} matches the incoming pod: hardPodAffinityWeight 1 → zone a +1
    //   = {zone: {a: 11, b: 10}, hostname: {n2: −4}}
    const ts = materializeTopologyScore(computeTopologyScore(pi, snap)!);
    assert.deepEqual(Object.fromEntries([...ts].map(([k, m]) => [k, Object.fromEntries(m)])), { [ZONE]: { a: 11, b: 10 }, [HOST]: { n2: -4 } });
    // Raw: n1 = 11, n2 = 11 − 4 = 7, n3 = 10.
    // Normalize: min 7, max 11, diff 4 → n1 100·4/4 = 100, n2 0, n3 100·3/4 = 75.
    // (Older kube releases started min at 0: 100·11/11, 100·7/11 = 63, 100·10/11 = 90.)
    const r = scheduleOne(defaultProfile(), snap, incoming, INITIAL_ROTATION, () => 0, { explain: true });
    const ipa = Object.fromEntries(r.explanation!.nodes.map((n) => [n.node, n.scores!.find((s) => s.plugin === 'InterPodAffinity')!]));
    assert.deepEqual(
      Object.fromEntries(Object.entries(ipa).map(([n, s]) => [n, [s.raw, s.normalized, s.weighted]])),
      { n1: [11, 100, 200], n2: [7, 0, 0], n3: [10, 75, 150] }, // weight 2 in the default profile
    );
  });

  it('hardPodAffinityWeight and ignorePreferredTermsOfExistingPods', () => {
    const { snap } = scoring();
    // A plain app=web pod: only p3's required term applies. hard 5 → {zone: {a: 5}}; raw n1 5, n2 5, n3 0.
    const plain = newPodInfo(pod('plain', { labels: { app: 'web' } }));
    const ts = materializeTopologyScore(computeTopologyScore(plain, snap, { hardPodAffinityWeight: 5 })!);
    assert.deepEqual(Object.fromEntries(ts.get(ZONE)!), { a: 5 });
    // hard 0 → nothing applies → Skip (null).
    assert.equal(computeTopologyScore(plain, snap, { hardPodAffinityWeight: 0 }), null);
    // ignorePreferredTermsOfExistingPods with no preferred terms of its own → Skip.
    assert.equal(computeTopologyScore(plain, snap, { ignorePreferredTermsOfExistingPods: true }), null);
  });

  it('NormalizeScore: float64 arithmetic truncated, negative scores, all equal', () => {
    const a = [-3, 0, 4, 1];
    normalizeInterPodAffinityScores(a);
    // min −3, max 4, diff 7: 0, 100·3/7 = 42.86 → 42, 100, 100·4/7 = 57.14 → 57.
    assert.deepEqual(a, [0, 42, 100, 57]);
    const b = [5, 5];
    normalizeInterPodAffinityScores(b);
    assert.deepEqual(b, [0, 0]);
    // 100·(29/100) is 28.999999999999996 in float64: kube's int64() gives 28, not 29.
    const c = [0, 29, 100];
    normalizeInterPodAffinityScores(c);
    assert.deepEqual(c, [0, 28, 100]);
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-check: the indexed plugin against kube's loops transcribed directly (every pod, every cycle).
// ---------------------------------------------------------------------------------------------

type Pair = string; // `${key}=${value}`

function bump(m: Map<Pair, number>, labels: Record<string, string>, key: string, by: number): void {
  const v = labels[key];
  if (v === undefined) return;
  const k = `${key}=${v}`;
  const n = (m.get(k) ?? 0) + by;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}

/** `mergeAffinityTermNamespacesIfNotEmpty`, transcribed. */
function mergeNs<T extends AffinityTerm>(snap: Snapshot, t: T): T {
  if (t.namespaceSelector.empty || t.namespaceSelector.kind === 'nothing') return t;
  const ns = new Set(t.namespaces);
  for (const [n, l] of snap.namespaces) if (t.namespaceSelector.matches(l)) ns.add(n);
  return { ...t, namespaces: ns, namespaceSelector: { ...t.namespaceSelector, kind: 'nothing' as const, empty: false, matches: () => false } };
}

/** kube filtering.go, verbatim in spirit: returns the Filter verdict per node (or 'skip'). */
function referenceFilter(snap: Snapshot, pi: PodInfo): Record<string, string> {
  const a = parsePodAffinity(pi.pod);
  const nsLabels = snap.namespaceLabels(pi.namespace);
  const merge = (t: AffinityTerm) => mergeNs(snap, t);
  const req = a.requiredAffinityTerms.map(merge);
  const anti = a.requiredAntiAffinityTerms.map(merge);
  const existing = new Map<Pair, number>();
  const aff = new Map<Pair, number>();
  const antiC = new Map<Pair, number>();
  const matchesAll = (p: PodInfo) => req.length > 0 && req.every((t) => affinityTermMatches(t, p.namespace, p.pod.metadata?.labels, undefined));
  for (const ni of snap.nodes) {
    for (const ep of ni.pods) {
      for (const t of parsePodAffinity(ep.pod).requiredAntiAffinityTerms) {
        if (affinityTermMatches(t, pi.namespace, pi.pod.metadata?.labels, nsLabels)) bump(existing, ni.labels, t.topologyKey, 1);
      }
      if (matchesAll(ep)) for (const t of req) bump(aff, ni.labels, t.topologyKey, 1);
      for (const t of anti) if (affinityTermMatches(t, ep.namespace, ep.pod.metadata?.labels, undefined)) bump(antiC, ni.labels, t.topologyKey, 1);
    }
  }
  const out: Record<string, string> = {};
  const skip = existing.size === 0 && req.length === 0 && anti.length === 0;
  for (const ni of snap.nodes) {
    if (skip) {
      out[ni.name] = 'skip';
      continue;
    }
    const L = ni.labels;
    let ok = true;
    let exist = true;
    for (const t of req) {
      if (L[t.topologyKey] === undefined) {
        ok = false;
        exist = true;
        break;
      }
      if ((aff.get(`${t.topologyKey}=${L[t.topologyKey]}`) ?? 0) <= 0) exist = false;
    }
    if (ok && !exist) ok = aff.size === 0 && matchesAll(pi);
    if (!ok) out[ni.name] = AFF;
    else if (anti.some((t) => L[t.topologyKey] !== undefined && (antiC.get(`${t.topologyKey}=${L[t.topologyKey]}`) ?? 0) > 0)) out[ni.name] = ANTI;
    else if (Object.entries(L).some(([k, v]) => (existing.get(`${k}=${v}`) ?? 0) > 0)) out[ni.name] = EXISTING;
    else out[ni.name] = 'pass';
  }
  return out;
}

/** kube scoring.go processExistingPod over every pod: raw score per node, or null for Skip. */
function referenceScores(snap: Snapshot, pi: PodInfo): Record<string, number> | null {
  const a = parsePodAffinity(pi.pod);
  const nsLabels = snap.namespaceLabels(pi.namespace);
  const ts = new Map<string, Map<string, number>>();
  const add = (labels: Record<string, string>, key: string, w: number) => {
    const v = labels[key];
    if (v === undefined) return;
    const m = ts.get(key) ?? new Map<string, number>();
    ts.set(key, m);
    m.set(v, (m.get(v) ?? 0) + w);
  };
  for (const ni of snap.nodes) {
    for (const ep of ni.pods) {
      const el = ep.pod.metadata?.labels;
      for (const t of a.preferredAffinityTerms.map((x) => mergeNs(snap, x))) if (affinityTermMatches(t, ep.namespace, el, undefined)) add(ni.labels, t.topologyKey, t.weight);
      for (const t of a.preferredAntiAffinityTerms.map((x) => mergeNs(snap, x))) if (affinityTermMatches(t, ep.namespace, el, undefined)) add(ni.labels, t.topologyKey, -t.weight);
      const ea = parsePodAffinity(ep.pod);
      for (const t of ea.requiredAffinityTerms) if (affinityTermMatches(t, pi.namespace, pi.pod.metadata?.labels, nsLabels)) add(ni.labels, t.topologyKey, 1);
      for (const t of ea.preferredAffinityTerms) if (affinityTermMatches(t, pi.namespace, pi.pod.metadata?.labels, nsLabels)) add(ni.labels, t.topologyKey, t.weight);
      for (const t of ea.preferredAntiAffinityTerms) if (affinityTermMatches(t, pi.namespace, pi.pod.metadata?.labels, nsLabels)) add(ni.labels, t.topologyKey, -t.weight);
    }
  }
  // kube returns Skip only when no pair got an entry at all (entries summing to 0 still count).
  if (ts.size === 0) return null;
  const out: Record<string, number> = {};
  for (const ni of snap.nodes) {
    let s = 0;
    for (const [k, m] of ts) if (ni.labels[k] !== undefined) s += m.get(ni.labels[k]!) ?? 0;
    out[ni.name] = s;
  }
  return out;
}

const KEYS = [ZONE, HOST, 'rack'];
const APPS = ['x', 'y', 'z'];
const NSS = ['default', 'other'];

const termArb = fc.record({
  app: fc.constantFrom(...APPS),
  key: fc.constantFrom(...KEYS),
  ns: fc.constantFrom<'own' | 'list' | 'selector' | 'all'>('own', 'list', 'selector', 'all'),
  weight: fc.integer({ min: 1, max: 20 }),
});
type TermGen = typeof termArb extends fc.Arbitrary<infer T> ? T : never;

function toTerm(t: TermGen): V1PodAffinityTerm {
  const base = term(t.app, t.key);
  if (t.ns === 'list') return { ...base, namespaces: ['other'] };
  if (t.ns === 'selector') return { ...base, namespaceSelector: { matchLabels: { tier: 'blue' } } };
  if (t.ns === 'all') return { ...base, namespaceSelector: {} };
  return base;
}

const podArb = fc.record({
  app: fc.constantFrom(...APPS),
  ns: fc.constantFrom(...NSS),
  reqAff: fc.option(termArb, { nil: undefined }),
  reqAnti: fc.option(termArb, { nil: undefined }),
  prefAff: fc.option(termArb, { nil: undefined }),
  prefAnti: fc.option(termArb, { nil: undefined }),
});
type PodGen = typeof podArb extends fc.Arbitrary<infer T> ? T : never;

function toPod(name: string, g: PodGen, on?: string): V1Pod {
  const affinity: V1Affinity = {};
  if (g.reqAff || g.prefAff) {
    affinity.podAffinity = {
      ...(g.reqAff ? { requiredDuringSchedulingIgnoredDuringExecution: [toTerm(g.reqAff)] } : {}),
      ...(g.prefAff ? { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: g.prefAff.weight, podAffinityTerm: toTerm(g.prefAff) }] } : {}),
    };
  }
  if (g.reqAnti || g.prefAnti) {
    affinity.podAntiAffinity = {
      ...(g.reqAnti ? { requiredDuringSchedulingIgnoredDuringExecution: [toTerm(g.reqAnti)] } : {}),
      ...(g.prefAnti ? { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: g.prefAnti.weight, podAffinityTerm: toTerm(g.prefAnti) }] } : {}),
    };
  }
  return pod(name, { ns: g.ns, labels: { app: g.app }, ...(on ? { on } : {}), ...(g.reqAff || g.reqAnti || g.prefAff || g.prefAnti ? { affinity } : {}) });
}

describe('InterPodAffinity: incremental indices agree with kube per-cycle loops', () => {
  it('filter verdicts and raw scores, while pods come and go and node labels change', () => {
    const nodeLabelArb = fc.record({ zone: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }), rack: fc.option(fc.constantFrom('r1', 'r2'), { nil: undefined }) });
    const stepArb = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), pod: podArb, node: fc.nat(5) }),
      fc.record({ kind: fc.constant('remove' as const), index: fc.nat(30) }),
      fc.record({ kind: fc.constant('relabel' as const), node: fc.nat(5), labels: nodeLabelArb }),
      fc.record({ kind: fc.constant('check' as const), pod: podArb }),
    );
    fc.assert(
      fc.property(fc.array(nodeLabelArb, { minLength: 6, maxLength: 6 }), fc.array(stepArb, { minLength: 5, maxLength: 40 }), (nodeLabels, steps) => {
        const mkNode = (i: number, l: { zone: string | undefined; rack: string | undefined }) => {
          let w = makeNode(`n${i}`).capacity({ cpu: '64', memory: '64Gi', pods: '100' });
          if (l.zone) w = w.zone(l.zone);
          if (l.rack) w = w.label('rack', l.rack);
          return w.obj();
        };
        const snap = buildSnapshot(nodeLabels.map((l, i) => mkNode(i, l)));
        snap.setNamespace('default', { tier: 'blue' });
        snap.setNamespace('other', { tier: 'red' });
        const plugin = newInterPodAffinity();
        const live: string[] = [];
        let serial = 0;
        for (const step of steps) {
          if (step.kind === 'add') {
            const p = toPod(`p${serial++}`, step.pod, `n${step.node}`);
            snap.addPod(p);
            live.push(newPodInfo(p).key);
          } else if (step.kind === 'remove') {
            if (live.length === 0) continue;
            const [key] = live.splice(step.index % live.length, 1);
            snap.removePod(key!);
          } else if (step.kind === 'relabel') {
            snap.updateNode(mkNode(step.node, step.labels));
          } else {
            const pi = newPodInfo(toPod(`in${serial++}`, step.pod));
            // Filter
            const state = new CycleState();
            const pre = plugin.preFilter!(state, pi, snap);
            const got: Record<string, string> = {};
            for (const ni of snap.nodes) {
              if (pre !== null && 'code' in pre && pre.code === 'Skip') got[ni.name] = 'skip';
              else {
                const s = plugin.filter!(state, pi, ni);
                got[ni.name] = s === null ? 'pass' : `${s.code}: ${s.reasons.join(' | ')}`;
              }
            }
            assert.deepEqual(got, referenceFilter(snap, pi));
            // Score
            const sstate = new CycleState();
            const ps = plugin.preScore!(sstate, pi, snap.nodes, snap);
            const want = referenceScores(snap, pi);
            if (want === null) assert.ok(ps !== null && ps.code === 'Skip', `expected Skip, got ${JSON.stringify(ps)}`);
            else {
              const raw: Record<string, number> = {};
              if (ps === null) for (const ni of snap.nodes) raw[ni.name] = plugin.score!(sstate, pi, ni);
              else for (const ni of snap.nodes) raw[ni.name] = 0;
              assert.deepEqual(raw, want);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
