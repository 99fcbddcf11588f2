/**
 * kube-controller-manager's ControllerExpectations (pkg/controller/controller_utils.go), on virtual
 * time: before a controller creates or deletes N objects for a key it records that it expects
 * to see N adds or deletes; its informer handlers count them off as they arrive; its sync skips
 * the key until they all did, or until the record is 5 minutes old (a lost watch event must not
 * block the key for ever). Deletions can be tracked by object key (UIDTrackingControllerExpectations),
 * so the same delete seen twice counts once.
 */

export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Record {
  add: number;
  del: number;
  timestampMs: number;
  /** Keys of the objects whose deletion is awaited (deletions tracked by key). */
  deleting: Set<string>;
}

export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS) {}

  /** `ExpectCreations`: replaces the record for `key`. */
  expectCreations(key: string, count: number, nowMs: number): void {
    this.records.set(key, { add: count, del: 0, timestampMs: nowMs, deleting: new Set() });
  }

  /** `ExpectDeletions` with the keys of the objects to delete (`ExpectDeletions` + UID tracking). */
  expectDeletions(key: string, objectKeys: readonly string[], nowMs: number): void {
    this.records.set(key, { add: 0, del: objectKeys.length, timestampMs: nowMs, deleting: new Set(objectKeys) });
  }

  /** `CreationObserved`: one awaited add arrived (or one create failed and will not arrive). */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r && r.add > 0) r.add--;
  }

  /** `DeletionObserved`: `objectKey` is gone (or its delete failed); counted once per object. */
  deletionObserved(key: string, objectKey: string): void {
    const r = this.records.get(key);
    if (!r || !r.deleting.delete(objectKey)) return;
    if (r.del > 0) r.del--;
  }

  /** `SatisfiedExpectations`: no record, every add and delete seen, or the record expired. */
  satisfied(key: string, nowMs: number): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return nowMs - r.timestampMs > this.timeoutMs;
  }

  /** What is still awaited (for traces and tests). */
  pending(key: string): { add: number; del: number } | undefined {
    const r = this.records.get(key);
    return r ? { add: r.add, del: r.del } : undefined;
  }

  /** `DeleteExpectations`: the owner is gone. */
  delete(key: string): void {
    this.records.delete(key);
  }
}
