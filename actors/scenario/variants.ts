import type { ApiServerVariant } from '../apiserver/apiserver-core.ts';
import type { KubeletVariant } from '../kubelet/pod-worker.ts';
import type { SchedulerVariant } from '../scheduler/scheduler-core.ts';

/**
 * Deliberately broken components, one seam per layer, for the tests that show a fuzz property
 * catches a real bug (test/fuzz/kubernetes-variants.test.ts). Passed in code only — `runScenario`'s
 * options, the fuzz cluster's `variants` — never read from a scenario file, so no shipped
 * scenario or counterexample file can turn one on. Absent means the real behaviour, and the run
 * is byte for byte the one without this seam.
 */
export interface ComponentVariants {
  apiserver?: ApiServerVariant;
  scheduler?: SchedulerVariant;
  kubelet?: KubeletVariant;
}
