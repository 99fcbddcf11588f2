import fc from 'fast-check';
import type { ScenarioSpec, TimelineAction, TimelineStep } from '../../actors/scenario/spec.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

/**
 * Random workload schedules on a small cluster (3 workers, two Deployments), as scenario specs
 * built on the loader's own parse of a base scenario: scale (0–6 replicas), rollouts (set image),
 * rollbacks (rollout undo), and node faults — crash, restart, partition (isolate) and heal — at
 * random times. Every schedule ends with every fault healed and every node restarted, then a
 * settle time long enough for a rollout to finish; a fault may last past the 300-s eviction of an
 * unreachable node's pods. fast-check shrinks a failing schedule to fewer, simpler steps.
 */

export const WORKERS = ['worker-0', 'worker-1', 'worker-2'];
export const DEPLOYMENTS = ['web', 'api'];
const IMAGES = ['nginx:1.25', 'nginx:1.26', 'nginx:1.27'];
/** Faults and client steps fall in [10 s, FAULT_PHASE_MS] (the Deployments are applied at 5 s): long enough for a partition to outlast the 300-s tolerations. */
export const FAULT_PHASE_MS = 400_000;
export const HEAL_AT_MS = FAULT_PHASE_MS + 1_000;
/** After the heal: the kubelets' watch backoff (≤ 30 s), a rollout of 6 pods, a margin. */
export const SETTLE_MS = 120_000;

const source = { file: '<generated>', line: 0, column: 0 };

function deployment(name: string, replicas: number): string {
  return `
    - at: 5s
      apply:
        manifest:
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: ${name}, labels: {app: ${name}}}
          spec:
            replicas: ${replicas}
            selector: {matchLabels: {app: ${name}}}
            template:
              metadata: {labels: {app: ${name}}}
              spec:
                containers:
                  - name: app
                    image: nginx:1.25
                    resources: {requests: {cpu: 100m, memory: 64Mi}}`;
}

function baseSpec(seed: number): ScenarioSpec {
  const text = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: generated-workload-schedule}
spec:
  seed: ${seed}
  duration: ${(HEAL_AT_MS + SETTLE_MS) / 1000}s
  cluster:
    etcd: {members: 3}
    controlPlane: {apiservers: 1, schedulers: 1, controllerManagers: 1}
    nodes:
      - name: worker
        count: ${WORKERS.length}
        capacity: {cpu: "4", memory: 8Gi, pods: 110}
  timeline:${DEPLOYMENTS.map((d) => deployment(d, 2)).join('')}
`;
  return loadScenarioText(text, '<generated>');
}

const ref = (name: string) => ({ kind: 'deployment', name });

function actionArb(): fc.Arbitrary<TimelineAction> {
  const worker = fc.constantFrom(...WORKERS);
  const deploy = fc.constantFrom(...DEPLOYMENTS);
  return fc.oneof(
    fc.tuple(deploy, fc.integer({ min: 0, max: 6 })).map(([d, replicas]): TimelineAction => ({ verb: 'scale', user: 'admin', object: ref(d), replicas })),
    fc.tuple(deploy, fc.constantFrom(...IMAGES)).map(([d, image]): TimelineAction => ({ verb: 'set-image', user: 'admin', object: ref(d), container: 'app', image })),
    deploy.map((d): TimelineAction => ({ verb: 'rollout', action: 'undo', user: 'admin', object: ref(d) })),
    worker.map((w): TimelineAction => ({ verb: 'crash', targets: [w] })),
    worker.map((w): TimelineAction => ({ verb: 'restart', targets: [w] })),
    worker.map((w): TimelineAction => ({ verb: 'isolate', targets: [w] })),
    worker.map((w): TimelineAction => ({ verb: 'heal', targets: [w] })),
  );
}

export const workloadScheduleArb: fc.Arbitrary<ScenarioSpec> = fc
  .record({
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    steps: fc.array(fc.record({ atMs: fc.integer({ min: 10_000, max: FAULT_PHASE_MS }), action: actionArb() }), { maxLength: 12 }),
  })
  .map(({ seed, steps }): ScenarioSpec => {
    const spec = baseSpec(seed);
    const generated: TimelineStep[] = [...steps].sort((a, b) => a.atMs - b.atMs).map((s) => ({ atMs: s.atMs, action: s.action, as: [], source }));
    generated.push({ atMs: HEAL_AT_MS, action: { verb: 'heal', targets: 'all' }, as: [], source });
    generated.push({ atMs: HEAL_AT_MS, action: { verb: 'restart', targets: [...WORKERS] }, as: [], source });
    return { ...spec, timeline: [...spec.timeline, ...generated] };
  });

/** One line per step, to read a failing schedule. */
export function describeSchedule(spec: ScenarioSpec): string {
  return `seed ${spec.seed}\n    ${spec.timeline.map((s) => `${s.atMs}ms ${JSON.stringify(s.action.verb === 'apply' ? { verb: 'apply' } : s.action)}`).join('\n    ')}`;
}
