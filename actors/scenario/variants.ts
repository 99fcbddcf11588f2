import type { ApiServerVariant } from '../apiserver/apiserver-core.ts';
import type { ControllerManagerVariant } from '../controllers/controller-manager.ts';
import type { RaftVariant } from '../etcd/raft/types.ts';
import type { ServerOptions } from '../etcd/server.ts';
import type { KubeletVariant } from '../kubelet/pod-worker.ts';
import type { SchedulerVariant } from '../scheduler/scheduler-core.ts';

/**
 * Deliberately broken components a run may be built with, one optional entry per layer, for the
 * tests that show a fuzz property catches a real bug (test/fuzz/raft-variants.test.ts,
 * test/fuzz/kubernetes-variants.test.ts). Passed in code only — `runScenario`'s options, the fuzz
 * engine's `variants` — never read from a scenario file, so no shipped scenario or counterexample
 * file can turn one on. An absent entry is the correct component on exactly its usual code path,
 * and the run is byte for byte the one without this seam.
 */
export interface ComponentVariants {
  /** Raft rules replaced in every etcd member (actors/etcd/raft/types.ts RaftRules). */
  raft?: RaftVariant;
  apiserver?: ApiServerVariant;
  scheduler?: SchedulerVariant;
  kubelet?: KubeletVariant;
  controllerManager?: ControllerManagerVariant;
  /** etcd's watch serving (actors/etcd/server.ts ServerOptions.watchVariant). */
  etcdWatch?: NonNullable<ServerOptions['watchVariant']>;
}
