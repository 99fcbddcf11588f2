import { range } from '../etcd/mvcc.ts';
import { entryAt, firstIndex, lastIndex } from '../etcd/raft/log.ts';
import type { EtcdView } from './cluster-view.ts';
import { describeMatch, matchValue } from './match.ts';
import type { EtcdCondition, Match, OpCondition } from './spec.ts';
import type { TargetResolver } from './targets.ts';

/** The result of checking a condition once: whether it holds, and what was seen. */
export interface Verdict {
  ok: boolean;
  detail: string;
}

export interface LeaderSample {
  leader: string | null;
  term: number;
}

/** A client operation as the trace recorded it. */
export interface OpRecord {
  client: string;
  reqId: number;
  op: 'put' | 'get' | 'delete';
  key: string;
  result: 'ok' | 'fail' | 'timeout' | 'pending';
  readValue?: string | null;
  revision?: number;
  invokedAtMs: number;
  completedAtMs?: number;
}

export interface ConditionContext {
  view: EtcdView;
  targets: TargetResolver;
  /** Highest term any member had at a sampled time. */
  maxTermAt: ReadonlyMap<number, number>;
  /** Who led (and in which term) at a sampled time. */
  leaderAt: ReadonlyMap<number, LeaderSample>;
  ops: readonly OpRecord[];
  opById: ReadonlyMap<string, OpRecord>;
}

function all(verdicts: Verdict[]): Verdict {
  const failed = verdicts.filter((v) => !v.ok);
  if (failed.length > 0) return { ok: false, detail: failed.map((v) => v.detail).join('; ') };
  return { ok: true, detail: verdicts.map((v) => v.detail).join('; ') };
}

export function checkEtcd(cond: EtcdCondition, ctx: ConditionContext): Verdict {
  const { view } = ctx;
  const considered = cond.group ? ctx.targets.resolve(cond.group) : [...view.members];
  const scope = cond.group ? `among ${considered.join(', ') || 'nobody'}` : 'in the cluster';
  const verdicts: Verdict[] = [];
  const leader = view.leader(considered);

  if (cond.leader) {
    const c = cond.leader;
    const seen = leader ? `${leader} leads ${scope} (term ${view.term(leader)})` : `no leader ${scope}`;
    if (c.kind === 'none') verdicts.push({ ok: leader === null, detail: seen });
    else if (c.kind === 'any') verdicts.push({ ok: leader !== null, detail: seen });
    else {
      const allowed = ctx.targets.resolve(c.targets);
      verdicts.push({ ok: leader !== null && allowed.includes(leader), detail: `${seen}; expected one of ${allowed.join(', ')}` });
    }
  }
  if (cond.role) {
    const [member] = ctx.targets.resolve([cond.role.member]);
    const role = member ? view.role(member) : 'unresolved';
    verdicts.push({ ok: role === cond.role.is, detail: `${member ?? cond.role.member} is ${role}` });
  }
  if (cond.term) {
    const [member] = ctx.targets.resolve([cond.term.member]);
    const term = member ? view.term(member) : -1;
    let ok = true;
    if (cond.term.equals !== undefined) ok &&= term === cond.term.equals;
    if (cond.term.atLeast !== undefined) ok &&= term >= cond.term.atLeast;
    verdicts.push({ ok, detail: `${member ?? cond.term.member} has term ${term}` });
  }
  if (cond.termAboveAtMs !== undefined) {
    const before = ctx.maxTermAt.get(cond.termAboveAtMs) ?? 0;
    const term = leader ? view.term(leader) : -1;
    verdicts.push({
      ok: leader !== null && term > before,
      detail: leader ? `leader ${leader} has term ${term}, highest term at ${cond.termAboveAtMs} ms was ${before}` : `no leader ${scope}`,
    });
  }
  for (const [atMs, wantSame] of [
    [cond.leaderUnchangedSinceMs, true],
    [cond.leaderChangedSinceMs, false],
  ] as const) {
    if (atMs === undefined) continue;
    const then = ctx.leaderAt.get(atMs) ?? { leader: null, term: 0 };
    const now = leader ? { leader, term: view.term(leader) } : null;
    const same = now !== null && now.leader === then.leader && now.term === then.term;
    const thenText = then.leader ? `${then.leader} (term ${then.term})` : 'nobody';
    const nowText = now ? `${now.leader} (term ${now.term})` : 'nobody';
    verdicts.push({
      ok: wantSame ? same : now !== null && !same,
      detail: `leader at ${atMs} ms: ${thenText}; now: ${nowText}`,
    });
  }
  if (cond.logsIdentical) verdicts.push(checkLogsIdentical(view, considered));
  if (cond.value) verdicts.push(checkValue(view, cond.value));
  return all(verdicts);
}

/**
 * Same last index, same commit index, and the same entries wherever both logs still hold them: a
 * prefix compacted into a snapshot is committed, so it is the same on every member (log matching).
 */
export function checkLogsIdentical(view: EtcdView, names: readonly string[]): Verdict {
  const live = view.alive(names);
  const first = live[0];
  if (first === undefined) return { ok: false, detail: 'no live member to compare' };
  const reference = view.state(first)!.raft.storage;
  for (const name of live.slice(1)) {
    const s = view.state(name)!.raft.storage;
    if (s.commit !== reference.commit) {
      return { ok: false, detail: `${name} committed ${s.commit}, ${first} committed ${reference.commit}` };
    }
    if (lastIndex(s) !== lastIndex(reference)) {
      return { ok: false, detail: `${name} has ${lastIndex(s)} entries, ${first} has ${lastIndex(reference)}` };
    }
    for (let i = Math.max(firstIndex(s), firstIndex(reference)); i <= lastIndex(s); i++) {
      const a = entryAt(s, i)!;
      const b = entryAt(reference, i)!;
      if (a.term !== b.term || a.id !== b.id) {
        return { ok: false, detail: `${name} and ${first} differ at index ${i}` };
      }
    }
  }
  return { ok: true, detail: `${live.length} live members hold the same ${lastIndex(reference)} entries, committed to ${reference.commit}` };
}

/** What a linearizable read would return now: the value the current leader has applied. */
function checkValue(view: EtcdView, cond: { key: string; equals?: Match<string>; absent?: boolean }): Verdict {
  const leader = view.leader();
  if (!leader) return { ok: false, detail: `no leader to serve a linearizable read of ${cond.key}` };
  const state = view.state(leader)!;
  const result = range(state.disk.store, cond.key);
  const value = 'error' in result ? null : (result.kvs[0]?.value ?? null);
  const seen = value === null ? `${cond.key} is absent at ${leader}` : `${cond.key} = ${JSON.stringify(value)} at ${leader}`;
  if (cond.absent) return { ok: value === null, detail: seen };
  return { ok: cond.equals !== undefined && matchValue(cond.equals, value), detail: `${seen}; expected ${cond.equals === undefined ? 'a value' : describeMatch(cond.equals)}` };
}

export function checkOps(cond: OpCondition, ctx: ConditionContext): Verdict {
  let ops: OpRecord[];
  if (cond.id !== undefined) {
    const op = ctx.opById.get(cond.id);
    ops = op ? [op] : [];
    if (!op) return { ok: false, detail: `operation ${cond.id} has not been invoked` };
  } else {
    ops = ctx.ops.filter((o) => (cond.client === undefined || o.client === cond.client) && (cond.key === undefined || o.key === cond.key));
  }
  const what = cond.id ?? `${cond.client ?? 'any client'} on ${cond.key ?? 'any key'}`;
  if (ops.length === 0) return { ok: false, detail: `no operation matches ${what}` };
  const verdicts: Verdict[] = [];
  for (const op of ops) {
    const name = `${op.client}#${op.reqId} ${op.op} ${op.key}`;
    if (cond.acknowledged !== undefined) {
      const acked = op.op !== 'get' && op.result === 'ok';
      verdicts.push({ ok: acked === cond.acknowledged, detail: `${name} is ${acked ? 'acknowledged' : op.result}` });
    }
    if (cond.result !== undefined) verdicts.push({ ok: op.result === cond.result, detail: `${name}: ${op.result}` });
    if (cond.readValue !== undefined || cond.readAbsent) {
      const seen = op.result !== 'ok' ? op.result : op.readValue === null ? 'absent' : JSON.stringify(op.readValue);
      const ok = op.result === 'ok' && (cond.readAbsent ? op.readValue === null : cond.readValue !== undefined && matchValue(cond.readValue, op.readValue));
      verdicts.push({ ok, detail: `${name} read ${seen}` });
    }
  }
  return all(verdicts);
}
