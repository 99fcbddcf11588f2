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
  /**
   * Revision → its first apply: the log index, when that apply was the first at its index (then
   * the model's shared record of the index is the record: `ClusterModel.records`), else the
   * apply itself (a revision first produced by a later apply at an index: a violation).
   */
  const byRevision = new IndexWindow<number | Applied>();
  return {
    invariant: 'RevisionMonotonic',
    onApply(e, m, model) {
      const records = model.records;
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

      // What was first applied at the index (the model records this apply after the checks if none was).
      const revisionAtIndex = records.appliedRevision(a.index);
      const firstAtIndex = Number.isNaN(revisionAtIndex);

      const owner = byRevision.get(a.revision);
      if (owner === undefined) byRevision.set(a.revision, firstAtIndex ? a.index : a);
      else if (detail === null) {
        const ownerIndex = typeof owner === 'number' ? owner : owner.index;
        const ownerId = typeof owner === 'number' ? records.appliedId(owner)! : owner.id;
        if (ownerIndex !== a.index || ownerId !== a.id) {
          const o = typeof owner === 'number' ? records.applied(owner)! : owner;
          detail =
            `revision ${a.revision} reused: ${what(o)} on ${o.member} (at ${ms(o.t)}) ` +
            `and ${what(a)} on ${a.member} (at ${ms(a.t)})`;
        }
      }

      if (!firstAtIndex && detail === null && revisionAtIndex !== a.revision) {
        const atIndex = records.applied(a.index)!;
        detail =
          `index ${a.index} produced revision ${atIndex.revision} on ${atIndex.member} (at ${ms(atIndex.t)}) ` +
          `but revision ${a.revision} on ${a.member} (at ${ms(a.t)})`;
      }
      return detail;
    },
    // Below the floor no member applies again. Forgetting those records bounds memory; what is lost
    // is only a cross-member reuse of a forgotten revision (a member's own going back, lastOf, stays).
    // (The model forgets what was first applied at each index below the floor itself.)
    onFloor(floor) {
      byRevision.deleteIf((owner) => (typeof owner === 'number' ? owner : owner.index) <= floor);
    },
  };
}
