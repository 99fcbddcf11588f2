import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isSelectorError, matches, parseSelector } from '../../actors/api/labels.ts';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { compact, deleteRange, put } from '../../actors/etcd/mvcc.ts';
import { newDisk, type EtcdDisk } from '../../actors/etcd/server.ts';
import type { Simulation } from '../../actors/kernel/simulation.ts';
import { buildWorld, createSimulation } from '../../actors/scenario/build.ts';
import { ClusterState } from '../../actors/scenario/cluster-state.ts';
import type { Verdict } from '../../actors/scenario/conditions.ts';
import { checkEvent, checkPods, EventsTally, PodsTally } from '../../actors/scenario/k8s-conditions.ts';
import { KubeObserver } from '../../actors/scenario/k8s-observer.ts';
import { Outcomes } from '../../actors/scenario/outcomes.ts';
import { scheduleTimeline } from '../../actors/scenario/timeline.ts';
import type { EventCondition, Expectation, PodsCondition } from '../../actors/scenario/spec.ts';
import { loadScenarioFile } from '../../cli/loader/index.ts';

// --- references: the checks as they read the whole state (before expectations became observers) ---

function referencePods(cond: PodsCondition, all: KubeObject[]): Verdict {
  let pods = all;
  if (cond.selector) {
    const selector = parseSelector(cond.selector);
    if (isSelectorError(selector)) return { ok: false, detail: `bad selector ${cond.selector}: ${selector.error}` };
    pods = pods.filter((p) => matches(selector, p.metadata?.labels ?? {}));
  }
  const views = pods
    .filter((p) => !p.metadata?.deletionTimestamp || cond.phase !== 'Running')
    .map((pod) => {
      const status = (pod.status ?? {}) as { phase?: string; conditions?: { type: string; status: string }[] };
      return { phase: status.phase ?? 'Pending', ready: (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'), node: (pod.spec as { nodeName?: string } | undefined)?.nodeName };
    });
  const matching = views.filter((v) => (cond.phase === undefined || v.phase === cond.phase) && (cond.ready === undefined || v.ready === cond.ready) && (cond.scheduled === undefined || (v.node !== undefined) === cond.scheduled));
  const byPhase = new Map<string, number>();
  for (const v of views) byPhase.set(v.phase, (byPhase.get(v.phase) ?? 0) + 1);
  const summary = views.length === 0 ? 'no pods' : [...byPhase].sort().map(([phase, n]) => `${n} ${phase}`).join(', ');
  const what = [cond.phase, cond.ready === undefined ? '' : cond.ready ? 'ready' : 'not ready', cond.scheduled === undefined ? '' : cond.scheduled ? 'scheduled' : 'unscheduled'].filter(Boolean).join(', ') || 'present';
  const scope = `pods${cond.selector ? ` matching ${cond.selector}` : ''}${cond.namespace ? ` in ${cond.namespace}` : ''}`;
  if (cond.count !== undefined) return { ok: matching.length === cond.count, detail: `${matching.length} ${scope} ${what} (expected ${cond.count}); ${summary}` };
  return { ok: views.length > 0 && matching.length === views.length, detail: `${matching.length} of ${views.length} ${scope} ${what}; ${summary}` };
}

function referenceEvents(cond: EventCondition, all: KubeObject[]): Verdict {
  const events = all.filter((e) => e.reason === cond.reason);
  const matching = events.filter((e) => {
    if (cond.messageContains !== undefined && !String(e.message ?? '').includes(cond.messageContains)) return false;
    const involved = (e.involvedObject ?? {}) as { kind?: string; name?: string };
    return !(cond.object && (involved.name !== cond.object.name || (involved.kind ?? '').toLowerCase() !== cond.object.kind));
  });
  const sample = (matching[0] ?? events[0])?.message;
  return {
    ok: matching.length > 0,
    detail: matching.length > 0 ? `${matching.length} ${cond.reason} event(s): ${String(sample)}` : events.length > 0 ? `${events.length} ${cond.reason} event(s), none matching; e.g. ${String(sample)}` : `no ${cond.reason} event`,
  };
}

// --- generated changes --------------------------------------------------------------------------

const podArb = fc.record({
  app: fc.constantFrom('web', 'db', undefined),
  phase: fc.constantFrom('Pending', 'Running', 'Succeeded', undefined),
  ready: fc.boolean(),
  node: fc.constantFrom('n1', 'n2', undefined),
  terminating: fc.boolean(),
});
type Generated<A> = A extends fc.Arbitrary<infer T> ? T : never;
const pod = (name: string, p: Generated<typeof podArb>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: p.app ? { app: p.app } : {}, ...(p.terminating ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
  spec: { containers: [], ...(p.node ? { nodeName: p.node } : {}) },
  status: { ...(p.phase ? { phase: p.phase } : {}), conditions: [{ type: 'Ready', status: p.ready ? 'True' : 'False' }] },
});
const eventArb = fc.record({ reason: fc.constantFrom('Scheduled', 'Pulled'), name: fc.constantFrom('web', 'db'), message: fc.constantFrom('a', 'b', 'c') });
const event = (name: string, e: Generated<typeof eventArb>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name, namespace: 'default' },
  reason: e.reason,
  message: `${e.message} ${name}`,
  involvedObject: { kind: 'Pod', name: e.name, namespace: 'default' },
});
/** A change to one of a few keys: a new value, or a delete (null). */
const changes = <T>(arb: fc.Arbitrary<T>) => fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.option(arb, { nil: null })), { maxLength: 60 });
const keyName = (i: number): string => `k${(i * 7919) % 13}`;

describe('tallies: one change at a time gives the verdict of a full read', () => {
  const podConds: PodsCondition[] = [
    { namespace: 'default', selector: 'app=web', phase: 'Running', count: 2 },
    { selector: 'app', phase: 'Running', ready: true },
    { scheduled: true },
    { selector: 'app in (web,db)', phase: 'Pending', scheduled: false, count: 0 },
    { selector: 'app=', phase: 'Running' },
  ];
  it('PodsTally', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(changes(podArb), (steps) => {
        const tallies = podConds.map((c) => new PodsTally(c));
        const now = new Map<string, KubeObject>();
        for (const [i, p] of steps) {
          const key = `/registry/pods/default/${keyName(i)}`;
          const obj = p === null ? undefined : pod(keyName(i), p);
          if (obj) now.set(key, obj);
          else now.delete(key);
          for (const t of tallies) t.set(key, obj);
          const all = [...now].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
          tallies.forEach((t, n) => assert.deepEqual(t.verdict(), referencePods(podConds[n]!, all)));
        }
      }),
      { numRuns: 150 },
    );
  });

  const eventConds: EventCondition[] = [{ reason: 'Scheduled' }, { reason: 'Scheduled', object: { kind: 'pod', name: 'web' } }, { reason: 'Pulled', messageContains: 'b' }];
  it('EventsTally, sample included (the first in key order)', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(changes(eventArb), (steps) => {
        const tallies = eventConds.map((c) => new EventsTally(c));
        const now = new Map<string, KubeObject>();
        for (const [i, e] of steps) {
          const key = `/registry/events/default/${keyName(i)}`;
          const obj = e === null ? undefined : event(keyName(i), e);
          if (obj) now.set(key, obj);
          else now.delete(key);
          for (const t of tallies) t.set(key, obj);
          const all = [...now].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
          tallies.forEach((t, n) => assert.deepEqual(t.verdict(), referenceEvents(eventConds[n]!, all)));
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('ClusterState follows the freshest store by its changes', () => {
  /** One member whose disk the test writes to directly. */
  function fakeCluster(): { state: ClusterState; disk: EtcdDisk; write(f: () => void): void } {
    const disk = newDisk();
    const sim = { diskOf: () => disk } as unknown as Simulation;
    return { state: new ClusterState(sim, ['etcd-0']), disk, write: (f) => (f(), disk.applied++) };
  }

  it('hands each change under a prefix to its listener, in revision order, and resets after a compaction it missed', { timeout: 10_000 }, () => {
    const { state, disk, write } = fakeCluster();
    const seen: string[] = [];
    state.follow({ key: '/registry/pods/', prefix: true, put: (kv) => seen.push(`put ${kv.key}@${kv.modRevision}`), deleted: (k) => seen.push(`del ${k}`), reset: () => seen.push('reset') });
    write(() => put(disk.store, '/registry/pods/default/a', '{}'));
    write(() => put(disk.store, '/registry/events/default/x', '{}'));
    write(() => put(disk.store, '/registry/pods/default/b', '{}'));
    state.sync();
    write(() => deleteRange(disk.store, '/registry/pods/default/a'));
    state.sync();
    state.sync();
    assert.deepEqual(seen, ['put /registry/pods/default/a@2', 'put /registry/pods/default/b@4', 'del /registry/pods/default/a']);
    // A compaction at the newest revision keeps that revision's changes: nothing is missed.
    write(() => put(disk.store, '/registry/pods/default/c', '{}'));
    write(() => compact(disk.store, disk.store.revision));
    state.sync();
    assert.equal(seen.at(-1), 'put /registry/pods/default/c@6');
    // Two writes, then a compaction past the first: the listener must read afresh.
    write(() => put(disk.store, '/registry/pods/default/d', '{}'));
    write(() => put(disk.store, '/registry/pods/default/e', '{}'));
    write(() => compact(disk.store, disk.store.revision));
    state.sync();
    assert.equal(seen.at(-1), 'reset');
    assert.equal(seen.length, 5);
  });

  it('a key listener hears only its key', { timeout: 10_000 }, () => {
    const { state, disk, write } = fakeCluster();
    const seen: string[] = [];
    const stop = state.follow({ key: '/registry/minions/w-1', prefix: false, put: (kv) => seen.push(kv.key), deleted: (k) => seen.push(`del ${k}`), reset: () => seen.push('reset') });
    write(() => put(disk.store, '/registry/minions/w-10', '{}'));
    write(() => put(disk.store, '/registry/minions/w-1', '{}'));
    state.sync();
    stop();
    write(() => put(disk.store, '/registry/minions/w-1', '{"a":1}'));
    state.sync();
    assert.deepEqual(seen, ['/registry/minions/w-1']);
  });
});

describe('KubeObserver in a running cluster', () => {
  it('agrees with a full read after every event, and never reads the whole state again', { timeout: 120_000 }, () => {
    const spec = loadScenarioFile('scenarios/pod-lifecycle.yaml');
    const sim = createSimulation(spec, {});
    const world = buildWorld(sim, spec);
    scheduleTimeline(spec, world, new Outcomes(sim, spec.clients.map((c) => c.name)));
    const source = { file: '', line: 0, column: 0 };
    const pods: PodsCondition = { selector: 'app=web', phase: 'Running', ready: true, count: 1 };
    const scheduled: EventCondition = { reason: 'Scheduled', object: { kind: 'pod', name: 'web' } };
    const exp: Expectation = { name: 'x', when: { mode: 'within', afterMs: 0, limitMs: 60_000 }, pods, event: scheduled, source };
    let fullReads = 0;
    const listRaw = world.state.listRaw.bind(world.state);
    world.state.listRaw = (prefix) => (fullReads++, listRaw(prefix));
    const observer = new KubeObserver(exp, world.state);
    const afterCreate = fullReads;
    let checks = 0;
    const verdicts = new Set<string>();
    sim.onAfterEvent(() => {
      if (sim.eventCount % 7 !== 0) return;
      const v = observer.verdict();
      const reads = fullReads;
      const fresh = checkPods(pods, world.state);
      const freshEvent = checkEvent(scheduled, world.state);
      fullReads = reads;
      assert.deepEqual(v, !fresh.ok ? fresh : !freshEvent.ok ? freshEvent : { ok: true, detail: `${fresh.detail}; ${freshEvent.detail}` });
      verdicts.add(v.detail);
      checks++;
    });
    // The pod is created at 10 s: run past it so it runs.
    assert.equal(sim.runUntil(40_000), 'done');
    observer.close();
    assert.ok(checks > 100, `${checks} checks`);
    assert.ok([...verdicts].some((d) => d.startsWith('1 pods matching app=web Running, ready')), [...verdicts].join('\n'));
    assert.equal(fullReads, afterCreate, 'the observer re-read the whole state');
  });
});
