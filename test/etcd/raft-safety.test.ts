/**
 * Randomized, seeded schedules against Raft's safety properties (Figure 3 of the paper): election
 * safety, log matching, leader completeness, state machine safety, plus monotonic durable state
 * and linearizable ReadIndex. The network here reorders, drops, duplicates and partitions
 * messages, and nodes crash and restart from their storage. Every run is a pure function of its
 * seed; a failure names the seed and the last operations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { hup, newRaft, propose, readIndex, step, tick, type Raft } from '../../actors/etcd/raft/raft.ts';
import type { RaftMessage, RaftStorage } from '../../actors/etcd/raft/types.ts';
import { makeConfig, newStorage, type RaftOptions } from './raft-harness.ts';

interface RunOptions extends RaftOptions {
  nodes: number;
  ops: number;
}

interface RunStats {
  terms: number;
  committedDuringChaos: number;
  readsAnswered: number;
  restarts: number;
}

function run(seed: string, opts: RunOptions): RunStats {
  const rng = seedrandom.alea(`safety/${seed}`);
  const int = (n: number): number => Math.floor(rng() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

  const ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
  const storages = new Map<string, RaftStorage>(ids.map((id) => [id, newStorage()]));
  const nodes = new Map<string, Raft>(ids.map((id) => [id, newRaft(makeConfig(id, ids, { ...opts, seed }), storages.get(id)!)]));
  const node = (id: string): Raft => nodes.get(id)!;
  let pool: RaftMessage[] = [];
  /** Nodes on side B of a partition (empty: no partition). */
  let sideB = new Set<string>();
  const connected = (m: RaftMessage): boolean => sideB.has(m.from) === sideB.has(m.to);

  // Checked state.
  const leaderOfTerm = new Map<number, string>();
  const committed: string[] = []; // committed[i] describes the entry at index i + 1
  const lastTerm = new Map<string, number>(ids.map((id) => [id, 0]));
  const lastCommit = new Map<string, number>(ids.map((id) => [id, 0]));
  const readFloor = new Map<string, number>(); // read context -> commit index known anywhere at request time
  let proposals = 0;
  let reads = 0;
  let readsAnswered = 0;
  let restarts = 0;
  const trail: string[] = [];

  const fail = (what: string): never => {
    assert.fail(`seed ${seed} (${JSON.stringify(opts)}): ${what}\nlast operations:\n  ${trail.slice(-25).join('\n  ')}`);
  };
  const describe = (s: RaftStorage, i: number): string => {
    const e = s.entries[i - 1];
    return e ? `${e.term}:${e.id}` : '-';
  };

  const collect = (): void => {
    for (const id of ids) {
      const r = node(id);
      pool.push(...r.msgs);
      r.msgs = [];
    }
  };

  const check = (): void => {
    for (const id of ids) {
      const r = node(id);
      const s = r.storage;
      if (s.term < lastTerm.get(id)!) fail(`${id}: term went back from ${lastTerm.get(id)} to ${s.term}`);
      lastTerm.set(id, s.term);
      if (s.commit < lastCommit.get(id)!) fail(`${id}: commit went back from ${lastCommit.get(id)} to ${s.commit}`);
      lastCommit.set(id, s.commit);
      if (s.commit > s.entries.length) fail(`${id}: commit ${s.commit} beyond its log of ${s.entries.length}`);
      s.entries.forEach((e, i) => {
        if (e.index !== i + 1) fail(`${id}: entries[${i}].index is ${e.index}`);
        if (e.term > s.term) fail(`${id}: entry ${e.index} of term ${e.term} above its term ${s.term}`);
        if (i > 0 && e.term < s.entries[i - 1]!.term) fail(`${id}: log terms decrease at ${e.index}`);
      });
      if (r.role === 'leader') {
        // Election safety: at most one leader per term.
        const prev = leaderOfTerm.get(s.term);
        if (prev !== undefined && prev !== id) fail(`two leaders in term ${s.term}: ${prev} and ${id}`);
        if (prev === undefined) {
          leaderOfTerm.set(s.term, id);
          // Leader completeness: a new leader holds every committed entry.
          for (let i = 1; i <= committed.length; i++) {
            if (describe(s, i) !== committed[i - 1]) fail(`new leader ${id} (term ${s.term}) lacks committed entry ${i} ${committed[i - 1]}, has ${describe(s, i)}`);
          }
        }
      }
      // State machine safety: nobody commits a different entry at the same index.
      for (let i = 1; i <= s.commit; i++) {
        const d = describe(s, i);
        if (i > committed.length) committed.push(d);
        else if (committed[i - 1] !== d) fail(`${id} committed ${d} at ${i}, but ${committed[i - 1]} was committed there`);
      }
      // Linearizable reads: a read index is at least what was committed when the read arrived.
      for (const rs of r.readStates) {
        const floor = readFloor.get(rs.context);
        if (floor === undefined) fail(`${id}: read state for unknown context ${rs.context}`);
        else if (rs.index < floor) fail(`${id}: read ${rs.context} at index ${rs.index}, but ${floor} was committed before it was asked`);
        if (rs.index > s.commit) fail(`${id}: read ${rs.context} at index ${rs.index} beyond its commit ${s.commit}`);
        readsAnswered++;
      }
      r.readStates = [];
    }
    // Log matching: same index and term => identical prefixes.
    for (let a = 0; a < ids.length; a++) {
      for (let b = a + 1; b < ids.length; b++) {
        const sa = node(ids[a]!).storage;
        const sb = node(ids[b]!).storage;
        const n = Math.min(sa.entries.length, sb.entries.length);
        let i = n;
        while (i > 0 && sa.entries[i - 1]!.term !== sb.entries[i - 1]!.term) i--;
        for (let j = 1; j <= i; j++) {
          if (describe(sa, j) !== describe(sb, j)) fail(`log matching: ${ids[a]} and ${ids[b]} agree on the term at ${i} but differ at ${j}: ${describe(sa, j)} vs ${describe(sb, j)}`);
        }
      }
    }
  };

  for (let op = 0; op < opts.ops; op++) {
    const roll = rng();
    if (roll < 0.15) {
      const id = pick(ids);
      tick(node(id));
      trail.push(`tick ${id}`);
    } else if (roll < 0.8) {
      for (let k = 1 + int(4); k > 0 && pool.length > 0; k--) {
        // Mostly in order, sometimes any message: reordering.
        const at = rng() < 0.8 ? 0 : int(pool.length);
        const m = pool[at]!;
        if (rng() < 0.95) pool.splice(at, 1); // else: delivered again later (duplicate)
        if (connected(m) && rng() > 0.03) {
          trail.push(`deliver ${m.type} ${m.from}->${m.to} t${m.term}${'index' in m ? ` i${m.index}` : ''}${'reject' in m && m.reject ? ' reject' : ''}`);
          step(node(m.to), m);
          collect();
        } else {
          trail.push(`drop ${m.type} ${m.from}->${m.to}`);
        }
      }
    } else if (roll < 0.88) {
      const leaders = ids.filter((id) => node(id).role === 'leader');
      if (leaders.length > 0) {
        const id = pick(leaders);
        const index = propose(node(id), `p${++proposals}`, proposals);
        trail.push(`propose p${proposals} at ${id} -> ${index}`);
      }
    } else if (roll < 0.92) {
      const leaders = ids.filter((id) => node(id).role === 'leader');
      if (leaders.length > 0) {
        const id = pick(leaders);
        const context = `r${++reads}`;
        readFloor.set(context, committed.length);
        readIndex(node(id), context);
        trail.push(`readIndex ${context} at ${id} (floor ${committed.length})`);
      }
    } else if (roll < 0.93) {
      const id = pick(ids);
      hup(node(id));
      trail.push(`hup ${id}`);
    } else if (roll < 0.934) {
      const id = pick(ids);
      const r = newRaft(makeConfig(id, ids, { ...opts, seed: `${seed}/${op}` }), storages.get(id)!);
      nodes.set(id, r);
      restarts++;
      trail.push(`restart ${id}`);
    } else if (roll < 0.944) {
      sideB = new Set(ids.filter(() => rng() < 0.4));
      trail.push(`partition {${[...sideB].join(',')}}`);
    } else if (roll < 0.96) {
      sideB = new Set();
      trail.push('heal');
    } else {
      // A round of ticks for everyone, as wall-clock time passing.
      for (const id of ids) tick(node(id));
      trail.push('tick all');
    }
    collect();
    if (pool.length > 2000) pool = pool.slice(-2000);
    check();
  }

  const stats: RunStats = { terms: leaderOfTerm.size, committedDuringChaos: committed.length, readsAnswered, restarts };

  // Liveness after healing (not a safety property, but a cheap sanity check): a leader emerges
  // and everyone converges on its log.
  sideB = new Set();
  for (let round = 0, stable = 0; round < 400 && stable < 30; round++) {
    stable = ids.filter((id) => node(id).role === 'leader').length === 1 ? stable + 1 : 0;
    for (const id of ids) tick(node(id));
    collect();
    let deliveries = 0;
    while (pool.length > 0) {
      if (++deliveries > 100_000) fail('network did not quiesce');
      const m = pool.shift()!;
      step(node(m.to), m);
      collect();
    }
    check();
  }
  const leaders = ids.filter((id) => node(id).role === 'leader');
  if (leaders.length !== 1) fail(`after healing: leaders ${leaders.join(',') || 'none'}`);
  const leader = node(leaders[0]!);
  propose(leader, 'final', null);
  for (let round = 0; round < 5; round++) {
    for (const id of ids) tick(node(id));
    collect();
    while (pool.length > 0) {
      const m = pool.shift()!;
      step(node(m.to), m);
      collect();
    }
  }
  check();
  for (const id of ids) {
    const s = node(id).storage;
    const want = leader.storage.entries.map((e) => `${e.term}:${e.id}`).join(' ');
    const got = s.entries.map((e) => `${e.term}:${e.id}`).join(' ');
    if (got !== want) fail(`after healing, ${id}'s log differs from the leader's:\n ${got}\n ${want}`);
    if (s.commit !== leader.storage.commit) fail(`after healing, ${id} commit ${s.commit} vs leader ${leader.storage.commit}`);
  }
  return stats;
}

const configs: Array<[string, RaftOptions]> = [
  ['plain', { preVote: false, checkQuorum: false }],
  ['preVote', { preVote: true, checkQuorum: false }],
  ['checkQuorum', { preVote: false, checkQuorum: true }],
  ['preVote+checkQuorum', { preVote: true, checkQuorum: true }],
];

for (const [name, raftOpts] of configs) {
  for (const nodes of [3, 5]) {
    test(`safety under random partitions, loss, reordering, duplication and restarts: ${name}, ${nodes} nodes`, (t) => {
      const total: RunStats = { terms: 0, committedDuringChaos: 0, readsAnswered: 0, restarts: 0 };
      const seeds = 25;
      for (let s = 0; s < seeds; s++) {
        const stats = run(`${name}-${nodes}-${s}`, { ...raftOpts, nodes, ops: 1500, maxEntriesPerMsg: 1 + (s % 4), heartbeatTick: 1 + (s % 2) });
        for (const k of Object.keys(total) as Array<keyof RunStats>) total[k] += stats[k];
      }
      // The schedules must actually exercise the protocol, or the checks above prove nothing.
      t.diagnostic(`${name}, ${nodes} nodes: ${JSON.stringify(total)}`);
      assert.ok(total.terms >= 1.5 * seeds, `leaders elected in ${total.terms} terms`);
      assert.ok(total.committedDuringChaos >= 20 * seeds, `${total.committedDuringChaos} entries committed`);
      assert.ok(total.readsAnswered >= 10 * seeds, `${total.readsAnswered} reads answered`);
      assert.ok(total.restarts >= 3 * seeds, `${total.restarts} restarts`);
    });
  }
}
