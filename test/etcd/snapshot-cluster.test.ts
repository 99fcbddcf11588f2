/**
 * Snapshots and log compaction end to end: three members as the runner builds them, with a small
 * snapshot count so a short run compacts, a client writing throughout, and the invariant checkers
 * on the live trace. A member cut off while the others compact comes back through a snapshot
 * (the MVCC store at the snapshot's index) and then appends; a restarted member resumes from its
 * durable compacted log and store.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvariantChecker, type Violation } from '../../actors/checks/index.ts';
import { invoke, newClient, type ClientState, type Completion, type Invoke } from '../../actors/etcd/client-core.ts';
import { handleClientInbound, type ClientInbound } from '../../actors/etcd/client.ts';
import { addEtcdGroup, DEFAULT_ETCD_GROUP, memberStateOf } from '../../actors/etcd/member.ts';
import { historySize, range } from '../../actors/etcd/mvcc.ts';
import type { EtcdDisk, EtcdSnapshotData } from '../../actors/etcd/server.ts';
import { lastIndex } from '../../actors/etcd/raft/log.ts';
import { coreMachine, startCore, type ComponentCore } from '../../actors/kernel/core-actor.ts';
import { Simulation } from '../../actors/kernel/simulation.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import type { NetworkOptions } from '../../actors/kernel/network.ts';
import seedrandom from 'seedrandom';

const MEMBERS = ['etcd-0', 'etcd-1', 'etcd-2'];

interface HostContext {
  client: ClientState;
  completions: (Completion & { atMs: number })[];
  now: () => number;
}

const hostCore: ComponentCore<HostContext, Invoke | ClientInbound, 'serving'> = {
  id: 'etcd-client-host',
  phases: ['serving'],
  phase: () => 'serving',
  step(context, event, nowMs) {
    const out = event.type === 'Invoke' ? invoke(context.client, event, nowMs) : handleClientInbound(context.client, event, nowMs);
    for (const done of out.completions) context.completions.push({ ...done, atMs: context.now() });
    return out;
  },
};
const hostMachine = coreMachine(hostCore);

function cluster(seed: string, network: Partial<NetworkOptions> = {}) {
  const sim = new Simulation({ seed, network, maxEvents: 5_000_000 });
  const violations: Violation[] = [];
  const checker = new InvariantChecker();
  const trace: TraceEvent[] = [];
  sim.trace.subscribe((e) => {
    if (e.kind === 'raft.snapshot' || e.kind === 'raft.compact') trace.push(e);
    violations.push(...checker.observeAll(e));
  });
  addEtcdGroup(sim, MEMBERS, { ...DEFAULT_ETCD_GROUP, server: { snapshotCount: 40, snapshotCatchUpEntries: 10, duplicateWindowEntries: 10 } });
  let context: HostContext | null = null;
  sim.addHost({
    name: 'writer',
    disk: null,
    create: (env) => {
      context = {
        client: newClient({ name: 'writer', endpoints: MEMBERS, requestTimeoutMs: 7000, retryBackoffMs: 100, readAttemptTimeoutMs: 2000, timerPrefix: 'etcd/', incarnation: env.incarnation }),
        completions: [],
        now: env.now,
      };
      return startCore(hostMachine, env, context);
    },
  });
  let reqId = 0;
  /** One put every `everyMs` from `fromMs` to `toMs`, cycling over 5 keys. */
  const writeBetween = (fromMs: number, toMs: number, everyMs: number): void => {
    for (let t = fromMs; t < toMs; t += everyMs) {
      const id = ++reqId;
      const put: Invoke = { type: 'Invoke', reqId: id, op: { op: 'put', key: `/k/${id % 5}`, value: `v${id}` } };
      sim.clock.at(t, () => sim.inject('writer', put));
    }
  };
  const disk = (name: string) => sim.diskOf<EtcdDisk>(name)!;
  return { sim, violations, trace, checker, writeBetween, disk, completions: () => context?.completions ?? [] };
}

describe('raft snapshots in a simulated 3-member cluster', () => {
  it('a member cut off while the others compact is restored by a snapshot, then appends', () => {
    const k = cluster('snap-partition');
    k.writeBetween(2_000, 20_000, 50);
    let isolated = '';
    k.sim.clock.at(4_000, () => {
      // Cut off a follower (never the leader), so the writes keep committing.
      isolated = MEMBERS.find((n) => k.disk(n).raft.term > 0 && k.sim.actorOf(n) && n !== leaderOf(k))!;
      k.sim.network.partition([[isolated], MEMBERS.filter((n) => n !== isolated).concat('writer')]);
    });
    k.sim.clock.at(12_000, () => k.sim.network.heal());
    k.sim.runUntil(25_000);

    assert.deepEqual(k.violations, []);
    const restored = k.trace.filter((e) => e.kind === 'raft.snapshot');
    assert.ok(restored.length >= 1, 'the isolated member got a snapshot');
    assert.ok(restored.every((e) => e.member === isolated), `only ${isolated} restores: ${JSON.stringify(restored)}`);
    assert.ok(k.trace.some((e) => e.kind === 'raft.compact'), 'logs were compacted');
    const ref = k.disk(MEMBERS[0]!);
    for (const name of MEMBERS) {
      const d = k.disk(name);
      assert.equal(d.applied, ref.applied, `${name} applied as far as the others`);
      assert.equal(d.store.revision, ref.store.revision, `${name} revision`);
      for (let i = 0; i < 5; i++) {
        const v = range(d.store, `/k/${i}`);
        const w = range(ref.store, `/k/${i}`);
        assert.ok(!('error' in v) && !('error' in w));
        assert.deepEqual(v.kvs, w.kvs, `${name} /k/${i}`);
      }
      assert.ok(d.raft.entries.length <= 40 + 10 + 64, `${name} keeps a bounded log (${d.raft.entries.length} entries)`);
      assert.ok(d.raft.compactedIndex > 0, `${name} compacted`);
      // The window is pruned before every apply, not only at snapshots: never more than its 10 entries and the one applied.
      assert.ok(d.appliedIds.size <= 10 + 1, `${name} keeps the duplicate window only (${d.appliedIds.size} ids)`);
    }
    const isolatedDisk = k.disk(isolated);
    assert.ok(lastIndex(isolatedDisk.raft) > (restored[restored.length - 1]!.index as number), 'entries appended after the snapshot');
    const written = k.completions().filter((c) => c.result === 'ok').length;
    assert.ok(written > 300, `writes kept succeeding (${written})`);
    assert.equal(historySize(isolatedDisk.store).keys, historySize(ref.store).keys);
  });

  it('a member restarted after compacting resumes from its durable log and store', () => {
    const k = cluster('snap-restart');
    k.writeBetween(2_000, 16_000, 50);
    let crashed = '';
    k.sim.clock.at(8_000, () => {
      crashed = MEMBERS.find((n) => n !== leaderOf(k))!;
      assert.ok(k.disk(crashed).raft.compactedIndex > 0, 'it had compacted before the crash');
      k.sim.crash(crashed);
    });
    k.sim.clock.at(9_000, () => k.sim.restart(crashed));
    k.sim.runUntil(20_000);
    assert.deepEqual(k.violations, []);
    const ref = k.disk(leaderOf(k)!);
    assert.equal(k.disk(crashed).applied, ref.applied);
    assert.equal(k.disk(crashed).store.revision, ref.store.revision);
  });

  it('random partitions, crashes, loss, duplicates and reordering with frequent snapshots: no violation, and the members converge', () => {
    let restores = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const k = cluster(`snap-faults-${seed}`, { lossProbability: 0.02, duplicateProbability: 0.02, reorderProbability: 0.05 });
      const rng = seedrandom.alea(`schedule-${seed}`);
      const pick = (): string => MEMBERS[Math.floor(rng() * MEMBERS.length)]!;
      k.writeBetween(2_000, 24_000, 30);
      for (let t = 3_000; t < 22_000; t += 2_000 + Math.floor(rng() * 2_000)) {
        const target = pick();
        const until = t + 1_000 + Math.floor(rng() * 3_000);
        if (rng() < 0.5) {
          k.sim.clock.at(t, () => k.sim.network.partition([[target], MEMBERS.filter((n) => n !== target).concat('writer')]));
          k.sim.clock.at(until, () => k.sim.network.heal());
        } else {
          k.sim.clock.at(t, () => k.sim.actorOf(target) && k.sim.crash(target));
          k.sim.clock.at(until, () => !k.sim.actorOf(target) && k.sim.restart(target));
        }
        t = until;
      }
      k.sim.clock.at(24_000, () => {
        k.sim.network.heal();
        for (const n of MEMBERS) if (!k.sim.actorOf(n)) k.sim.restart(n);
      });
      k.sim.runUntil(40_000);
      assert.deepEqual(k.violations, [], `seed ${seed}`);
      const ref = k.disk(MEMBERS[0]!);
      for (const n of MEMBERS) {
        assert.equal(k.disk(n).applied, ref.applied, `seed ${seed}: ${n} applied`);
        assert.equal(k.disk(n).store.revision, ref.store.revision, `seed ${seed}: ${n} revision`);
      }
      restores += k.trace.filter((e) => e.kind === 'raft.snapshot').length;
    }
    assert.ok(restores > 0, 'some member was restored from a snapshot');
  });

  it('members snapshotting the same state at the same index hold one snapshot data object, not a copy each', () => {
    const k = cluster('snap-shared');
    k.writeBetween(2_000, 12_000, 20);
    k.sim.runUntil(12_500);
    assert.deepEqual(k.violations, []);
    const snapshots = MEMBERS.map((n) => k.disk(n).raft.snapshot!);
    assert.ok(snapshots.every((s) => s !== null && s.index === snapshots[0]!.index), `all at one index: ${snapshots.map((s) => s?.index)}`);
    const data = snapshots.map((s) => s.data as EtcdSnapshotData);
    assert.ok(data.every((d) => d === data[0]), 'one data object for all members');
    assert.ok(data[0]!.store.revision > 1 && data[0]!.appliedIds.length === 11, `the data holds the store and the window (its 10 entries and the one applied): ${data[0]!.appliedIds.length}`);
    // Each member's live store is still its own, and moved past the snapshot's.
    assert.ok(MEMBERS.every((n) => k.disk(n).store !== data[0]!.store && k.disk(n).store.revision >= data[0]!.store.revision));
  });

  it('the checkers keep bounded state as the logs compact', () => {
    const k = cluster('snap-bounded');
    k.writeBetween(2_000, 30_000, 20);
    k.sim.runUntil(32_000);
    assert.deepEqual(k.violations, []);
    const kept = k.checker.retained();
    assert.ok(kept.floor > 1000, `the floor moved up with the compactions (${kept.floor})`);
    assert.ok(kept.committed < 200, `committed entries kept: ${kept.committed}`);
  });
});

function leaderOf(k: ReturnType<typeof cluster>): string | undefined {
  let best: string | undefined;
  let term = -1;
  for (const n of MEMBERS) {
    const raft = memberStateOf(k.sim.actorOf(n))?.raft;
    if (raft?.role === 'leader' && raft.storage.term > term) {
      best = n;
      term = raft.storage.term;
    }
  }
  return best;
}
