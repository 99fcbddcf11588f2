/**
 * ElectionSafety (raft Figure 3; MoreThanOneLeaderInv): at most one member is ever leader of a
 * given term. Leaders of different terms may coexist (a partitioned old leader), so this is a
 * map term → first leader, never cleared: a crash does not free a term.
 */
import type { Check } from './check.ts';
import { becomesLeader } from './model.ts';
import { ms } from './violation.ts';

export function electionSafety(): Check {
  const leaderOf = new Map<number, { member: string; t: number }>();
  return {
    invariant: 'ElectionSafety',
    onRole(e, m) {
      if (!becomesLeader(m, e.role, e.term)) return null;
      const first = leaderOf.get(e.term);
      if (first === undefined) {
        leaderOf.set(e.term, { member: e.member, t: e.t });
        return null;
      }
      if (first.member === e.member) return null;
      return `term ${e.term} has two leaders: ${first.member} (at ${ms(first.t)}) and ${e.member} (at ${ms(e.t)})`;
    },
  };
}
