/**
 * The vote invariants (raft Figure 2, RequestVote receiver; TLA+ `VotesSafe`): a member votes for
 * at most one candidate per term, and `votedFor` is durable, so a restart does not free it.
 *
 * - NoDoubleVote: a member grants votes in a term to at most one candidate (itself included: a
 *   candidate of term T voted for itself in T), while it stays up.
 * - DurableVote: after a restart, a member never votes in a term for another candidate than the
 *   one it voted for before the restart, nor in a term below the highest one it voted in before
 *   the restart (its term is durable too).
 *
 * Pre-votes bind nothing (etcd's PreVote: the voter changes neither its term nor its vote) and
 * are ignored. Each check keeps every member's votes by term (a handful of entries per term).
 */
import type { Check } from './check.ts';
import type { MemberState } from './model.ts';
import { ms } from './violation.ts';

interface Vote {
  candidate: string;
  t: number;
  seq: number;
}

interface Ledger {
  /** term → the vote granted in it, as first seen. */
  byTerm: Map<number, Vote>;
  /** Highest term voted in, and the vote's seq (to tell whether it came before a restart). */
  maxTerm: number;
  maxSeq: number;
}

type Found = { kind: 'double' | 'durable'; detail: string } | null;

/** Records a vote and says whether it conflicts, and how (a restart in between or not). */
function voteTracker(): (voter: MemberState, term: number, candidate: string, t: number, seq: number) => Found {
  const ledgers = new Map<string, Ledger>();
  return (voter, term, candidate, t, seq) => {
    let l = ledgers.get(voter.name);
    if (l === undefined) ledgers.set(voter.name, (l = { byTerm: new Map(), maxTerm: 0, maxSeq: -1 }));
    const restartedSince = (s: number): boolean => voter.restartedSeq !== null && voter.restartedSeq > s;
    const self = candidate === voter.name ? ' (itself)' : '';
    const first = l.byTerm.get(term);
    let found: Found = null;
    if (first !== undefined && first.candidate !== candidate) {
      const them = first.candidate === voter.name ? ' (itself)' : '';
      const what = `${voter.name} voted twice in term ${term}: for ${first.candidate}${them} at ${ms(first.t)}, then for ${candidate}${self} at ${ms(t)}`;
      found = restartedSince(first.seq)
        ? { kind: 'durable', detail: `${what}, after its restart at ${ms(voter.restartedAt!)} (its vote was not kept)` }
        : { kind: 'double', detail: what };
    } else if (first === undefined && term < l.maxTerm && restartedSince(l.maxSeq)) {
      found = {
        kind: 'durable',
        detail: `${voter.name} voted for ${candidate}${self} in term ${term} at ${ms(t)}, after its restart at ${ms(voter.restartedAt!)}, but had voted in term ${l.maxTerm} before it (its term was not kept)`,
      };
    }
    if (first === undefined) l.byTerm.set(term, { candidate, t, seq });
    if (term > l.maxTerm) {
      l.maxTerm = term;
      l.maxSeq = seq;
    }
    return found;
  };
}

/** A `raft.role` that makes the member candidate or leader of a new term: it voted for itself there. */
function selfVoteTerm(m: MemberState, role: string, term: number): number | null {
  if (role !== 'candidate' && role !== 'leader') return null;
  if ((m.role === 'candidate' || m.role === 'leader') && m.term === term) return null;
  return term;
}

function voteCheck(invariant: 'NoDoubleVote' | 'DurableVote', kind: 'double' | 'durable'): Check {
  const track = voteTracker();
  const judge = (f: Found): string | null => (f !== null && f.kind === kind ? f.detail : null);
  return {
    invariant,
    onRole(e, m) {
      const term = selfVoteTerm(m, e.role, e.term);
      return term === null ? null : judge(track(m, term, m.name, e.t, e.seq));
    },
    onVote(e, voter) {
      if (e.preVote) return null;
      return judge(track(voter, e.term, e.candidate, e.t, e.seq));
    },
  };
}

export function noDoubleVote(): Check {
  return voteCheck('NoDoubleVote', 'double');
}

export function durableVote(): Check {
  return voteCheck('DurableVote', 'durable');
}
