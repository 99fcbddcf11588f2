import type { RaftVariant } from '../etcd/raft/types.ts';

/**
 * Deliberately broken components a run may be built with, one optional entry per layer. Only
 * tests set them (runScenario's `variants`, `kubesim fuzz`'s engine option), to show that the
 * fuzz properties catch real bugs (test/fuzz/raft-variants.test.ts); a scenario file cannot. An
 * absent entry is the correct component, on exactly its usual code path.
 */
export interface Variants {
  /** Raft rules replaced in every etcd member (actors/etcd/raft/types.ts RaftRules). */
  raft?: RaftVariant;
}
