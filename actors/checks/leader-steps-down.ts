/**
 * LeaderStepsDown (etcd's CheckQuorum, on in every etcd: `server/etcdserver/bootstrap.go`): a
 * leader that has not heard from a quorum for an election timeout steps down ("stepped down to
 * follower since quorum is not active", raft.go tickHeartbeat; `testdata/checkquorum.txt` takes
 * one to two election timeouts). Seen from the trace: once a leader of a higher term is elected,
 * a leader of a lower term still leading is cut off from a quorum (any member of the new
 * leader's quorum that it reached would answer with the higher term and depose it), and it was
 * cut off at least an election timeout before the new election (the voters had not heard from it
 * for that long, or leader stickiness would have refused the vote). So it must step down, crash,
 * or learn the new term within one more election timeout; the bound allows two, the second for
 * message delays and tick rounding.
 *
 * Only a liveness guarantee, not safety: a minority leader that never steps down commits nothing
 * and, under ReadIndex, serves no linearizable read. But its clients wait on it until their
 * request timeout instead of failing over, and it never learns it lost the lease.
 * Checked only when CheckQuorum is on (the bound is given).
 */
import type { Check, LateFinding } from './check.ts';
import type { ClusterModel } from './model.ts';
import { ms } from './violation.ts';

interface Superseded {
  /** The stale leader's term. */
  term: number;
  /** The first leader of a higher term elected while it led, and when. */
  by: string;
  byTerm: number;
  t: number;
  seq: number;
  reported: boolean;
}

export function leaderStepsDown(boundMs: number): Check {
  const superseded = new Map<string, Superseded>();
  let lastT = 0;
  let lastSeq = 0;
  const describe = (name: string, s: Superseded, atMs: number): string =>
    `${name}, leader of term ${s.term}, still led at ${ms(atMs)}, ${atMs - s.t} ms after ${s.by} became leader of term ${s.byTerm} at ${ms(s.t)} ` +
    `(CheckQuorum steps a leader without an active quorum down within one to two election timeouts; bound ${boundMs} ms)`;
  /** The first stale leader past the bound at time t, if any (each is reported once). */
  const overdue = (t: number, model: ClusterModel): string | null => {
    lastT = t;
    if (superseded.size === 0) return null;
    for (const [name, s] of superseded) {
      const m = model.member(name);
      if (m.role !== 'leader' || m.term !== s.term) {
        // It crashed (the model says `down`) or moved on; a role event would have said so too.
        superseded.delete(name);
        continue;
      }
      if (!s.reported && t - s.t > boundMs) {
        s.reported = true;
        return describe(name, s, t);
      }
    }
    return null;
  };
  return {
    invariant: 'LeaderStepsDown',
    onRole(e, m, model) {
      const found = overdue(e.t, model);
      lastSeq = e.seq;
      if (m.role === 'leader' && !(e.role === 'leader' && e.term === m.term)) superseded.delete(m.name);
      if (e.role === 'leader' && !(m.role === 'leader' && m.term === e.term)) {
        for (const other of model.leaders) {
          if (other.name === m.name || other.role !== 'leader' || other.term >= e.term || superseded.has(other.name)) continue;
          superseded.set(other.name, { term: other.term, by: m.name, byTerm: e.term, t: e.t, seq: e.seq, reported: false });
        }
      }
      return found;
    },
    onLog(_c, t, model) {
      return overdue(t, model);
    },
    onCommit(_c, t, model) {
      return overdue(t, model);
    },
    onVote(e, _voter, model) {
      return overdue(e.t, model);
    },
    onOp(e, model) {
      return overdue(e.t, model);
    },
    finish(model): LateFinding[] {
      const out: LateFinding[] = [];
      for (const [name, s] of superseded) {
        const m = model.member(name);
        if (m.role === 'leader' && m.term === s.term && !s.reported && lastT - s.t > boundMs) out.push({ t: lastT, seq: lastSeq, detail: describe(name, s, lastT) });
      }
      return out;
    },
  };
}
