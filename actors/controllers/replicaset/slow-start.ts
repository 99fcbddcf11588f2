/**
 * The replica controllers' create bursts (pkg/controller/replicaset/replica_set.go):
 * at most `burstReplicas` (500) creates or deletes per sync, and creates go out in slow-start
 * batches of 1, 2, 4, 8, … (`SlowStartInitialBatchSize` 1): a batch starts only when the
 * previous one fully succeeded, so a quota or admission refusal costs one request, not 500.
 */

export const BURST_REPLICAS = 500;
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** The sizes of the batches that create `count` pods. */
export function slowStartBatches(count: number, initialBatchSize = SLOW_START_INITIAL_BATCH_SIZE): number[] {
  const batches: number[] = [];
  let remaining = count;
  for (let size = Math.min(remaining, initialBatchSize); size > 0; size = Math.min(2 * size, remaining)) {
    batches.push(size);
    remaining -= size;
  }
  return batches;
}

/** Pods to create (positive) or delete (negative) this sync, capped at the burst. */
export function replicaDiff(activePods: number, desiredReplicas: number, burst = BURST_REPLICAS): number {
  const diff = desiredReplicas - activePods;
  return Math.max(-burst, Math.min(burst, diff));
}
