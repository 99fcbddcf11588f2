/**
 * RevisionMonotonic (etcd api_guarantees "Revision"; etcd #14370, #17780): on each member the
 * revisions produced by `etcd.apply` strictly increase, across crashes and restarts too (the
 * MVCC store is durable, so nothing here is reset by a `fault`); and across members a revision is
 * never reused: revision r always belongs to the same log index and entry id, and (the apply
 * being deterministic) a log index always produces the same revision.
 */
import type { Check } from './check.ts';
import { IndexWindow } from './index-window.ts';
import { ms, quote } from './violation.ts';

interface Applied {
  member: string;
  index: number;
  id: string;
  revision: number;
  t: number;
}

function what(a: Applied): string {
  return `index ${a.index}, ${quote(a.id)}`;
}

export function revisionMonotonic(): Check {
  const lastOf = new Map<string, Applied>();
  const byRevision = new IndexWindow<Applied>();
  const byIndex = new IndexWindow<Applied>();
  return {
    invariant: 'RevisionMonotonic',
    onApply(e, m) {
      // The event itself is the record (its member is m's name): StateMachineSafety keeps the same object.
      const a: Applied = e;
      let detail: string | null = null;

      const last = lastOf.get(m.name);
      if (last === undefined || a.revision > last.revision) lastOf.set(m.name, a);
      else {
        const restart =
          m.restartedAt !== null && m.restartedAt >= last.t ? `, across its restart at ${ms(m.restartedAt)}` : '';
        detail =
          `${m.name}'s revision went from ${last.revision} (${what(last)}, at ${ms(last.t)}) ` +
          `back to ${a.revision} (${what(a)}, at ${ms(a.t)})${restart}`;
      }

      const owner = byRevision.get(a.revision);
      if (owner === undefined) byRevision.set(a.revision, a);
      else if (detail === null && (owner.index !== a.index || owner.id !== a.id)) {
        detail =
          `revision ${a.revision} reused: ${what(owner)} on ${owner.member} (at ${ms(owner.t)}) ` +
          `and ${what(a)} on ${a.member} (at ${ms(a.t)})`;
      }

      const atIndex = byIndex.get(a.index);
      if (atIndex === undefined) byIndex.set(a.index, a);
      else if (detail === null && atIndex.revision !== a.revision) {
        detail =
          `index ${a.index} produced revision ${atIndex.revision} on ${atIndex.member} (at ${ms(atIndex.t)}) ` +
          `but revision ${a.revision} on ${a.member} (at ${ms(a.t)})`;
      }
      return detail;
    },
    // Below the floor no member applies again. Forgetting those records bounds memory; what is lost
    // is only a cross-member reuse of a forgotten revision (a member's own going back, lastOf, stays).
    onFloor(floor) {
      byIndex.deleteUpTo(floor);
      byRevision.deleteIf((a) => a.index <= floor);
    },
  };
}
