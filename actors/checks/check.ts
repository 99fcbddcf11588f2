/**
 * The shape of one invariant. The composer calls the hooks for each event in a fixed order, with
 * the shared model still in its state *before* the event, then updates the model. A hook returns
 * the detail of a violation or null, and updates the invariant's own state either way (so a
 * checker keeps following the trace after a violation).
 *
 * Every hook must cost what the event changes (a few entries, one role), never the history.
 */
import type { ApplyEvent, OpEvent, RoleEvent, VoteEvent } from './events.ts';
import type { ClusterModel, CommitChange, LogChange, MemberState, PrefixChange } from './model.ts';
import type { InvariantName } from './violation.ts';

/** A violation found at the end of a run, placed at the event it is about. */
export interface LateFinding {
  t: number;
  seq: number;
  detail: string;
}

export interface Check {
  readonly invariant: InvariantName;
  onRole?(e: RoleEvent, m: MemberState, model: ClusterModel): string | null;
  onLog?(c: LogChange, t: number, model: ClusterModel): string | null;
  onCommit?(c: CommitChange, t: number, model: ClusterModel): string | null;
  /** A member compacted its log or restored a snapshot (model still as before it). */
  onPrefix?(c: PrefixChange, t: number, model: ClusterModel): string | null;
  /**
   * No log holds an index at or below `floor` any more (`ClusterModel.floor` moved up): forget
   * what is kept per index there. Never a violation.
   */
  onFloor?(floor: number, model: ClusterModel): void;
  /** A member granted a vote (`voter` is its state before the event). */
  onVote?(e: VoteEvent, voter: MemberState, model: ClusterModel): string | null;
  onApply?(e: ApplyEvent, m: MemberState, model: ClusterModel): string | null;
  onOp?(e: OpEvent, model: ClusterModel): string | null;
  /** Called once, after the last event. */
  finish?(model: ClusterModel): LateFinding[];
}
