import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { it } from 'node:test';
import fc from 'fast-check';
import { runScenario } from '../../actors/scenario/runner.ts';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';
import { toScenarioYaml } from '../../cli/scenario-writer.ts';
import { stringify } from 'yaml';

/**
 * Services and traffic under random settings: three workers with random kube-proxy modes and
 * ipvs schedulers (one maybe without ipvs), a Deployment of 1–4 behind 1–3 Services of random
 * type (ClusterIP, NodePort, LoadBalancer), session affinity, traffic policies and target ports
 * (by number or by name), an in-cluster traffic source per Service and an external one per
 * NodePort, and random disruptions (a rollout restart, a scale, a worker isolated and healed, a
 * rollout). Checked on every run:
 * - the run ends normally (no component died on anything the apiserver accepted), every invariant
 *   holds;
 * - every answered request was answered by a pod of the Deployment;
 * - long after the last disruption (the heal is noticed by watches within 90 s), every source whose
 *   traffic has nowhere to be dropped (internal and external policy Cluster) succeeds ≥ 95% of the
 *   time in the last 10 s.
 * A failure prints the seed and path to replay and writes the shrunk scenario under counterexamples/.
 */

const numRuns = Number(process.env.KUBESIM_PROPERTY_RUNS ?? 6);

const modeArb = fc.oneof(
  fc.constant({ mode: 'iptables' }),
  fc.record({ mode: fc.constant('ipvs'), ipvsScheduler: fc.constantFrom('rr', 'lc', 'dh', 'sh', 'sed', 'nq'), ipvsUnavailable: fc.boolean() }),
  fc.constant({ mode: 'userspace' }),
);

const serviceArb = fc.record({
  type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer'),
  affinity: fc.option(fc.integer({ min: 1, max: 10_800 }), { nil: undefined }),
  externalLocal: fc.boolean(),
  internalLocal: fc.boolean(),
  namedTarget: fc.boolean(),
  clientNode: fc.integer({ min: 0, max: 2 }),
});

const disruptionArb = fc.oneof(
  fc.record({ kind: fc.constant('restart' as const), atS: fc.integer({ min: 15, max: 40 }) }),
  fc.record({ kind: fc.constant('scale' as const), atS: fc.integer({ min: 15, max: 40 }), replicas: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('isolate' as const), atS: fc.integer({ min: 15, max: 30 }), node: fc.integer({ min: 0, max: 2 }), forS: fc.integer({ min: 1, max: 15 }) }),
  fc.record({ kind: fc.constant('rollout' as const), atS: fc.integer({ min: 15, max: 40 }) }),
);

const caseArb = fc.record({
  modes: fc.tuple(modeArb, modeArb, modeArb),
  replicas: fc.integer({ min: 1, max: 4 }),
  services: fc.array(serviceArb, { minLength: 1, maxLength: 3 }),
  disruptions: fc.array(disruptionArb, { maxLength: 2 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

const END_S = 160;

function scenario(c: Case): ScenarioSpec {
  const services = c.services.map((s, i) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${i}` },
    spec: {
      type: s.type,
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: s.namedTarget ? 'http' : 8080, ...(s.type !== 'ClusterIP' ? { nodePort: 30080 + i } : {}) }],
      ...(s.affinity !== undefined ? { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: s.affinity } } } : {}),
      ...(s.type !== 'ClusterIP' ? { externalTrafficPolicy: s.externalLocal ? 'Local' : 'Cluster' } : {}),
      ...(s.internalLocal ? { internalTrafficPolicy: 'Local' } : {}),
    },
  }));
  const traffic = c.services.flatMap((s, i) => [
    { name: `in-${i}`, from: { node: `worker-${s.clientNode}` }, clients: 2, to: `svc-${i}:80`, rate: '4/s', start: '10s', stop: `${END_S - 2}s`, timeout: '1s' },
    ...(s.type !== 'ClusterIP' ? [{ name: `out-${i}`, from: 'external', clients: 2, to: `worker-${(s.clientNode + 1) % 3}:${30080 + i}`, rate: '4/s', start: '10s', stop: `${END_S - 2}s`, timeout: '1s' }] : []),
  ]);
  const timeline = c.disruptions.flatMap((d): Record<string, unknown>[] => {
    switch (d.kind) {
      case 'restart':
        return [{ at: `${d.atS}s`, rollout: { restart: 'deployment/web' } }];
      case 'scale':
        return [{ at: `${d.atS}s`, scale: { object: 'deployment/web', replicas: d.replicas } }];
      case 'isolate':
        return [
          { at: `${d.atS}s`, isolate: `worker-${d.node}` },
          { at: `${d.atS + d.forS}s`, heal: `worker-${d.node}` },
        ];
      case 'rollout':
        return [{ at: `${d.atS}s`, 'set-image': { object: 'deployment/web', container: 'web', image: 'nginx:1.26' } }];
    }
  });
  const text = stringify({
    apiVersion: 'kubesim.io/v1alpha1',
    kind: 'Scenario',
    metadata: { name: 'traffic-property' },
    spec: {
      seed: 1,
      duration: `${END_S}s`,
      cluster: { etcd: { members: 3 }, nodes: c.modes.map((kubeProxy, i) => ({ name: `worker-${i}`, kubeProxy })) },
      workload: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web' },
          spec: {
            replicas: c.replicas,
            selector: { matchLabels: { app: 'web' } },
            template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ name: 'http', containerPort: 8080 }] }] } },
          },
        },
        ...services,
      ],
      traffic,
      ...(timeline.length > 0 ? { timeline } : {}),
    },
  });
  return loadScenarioText(text, 'scenarios/traffic-property.yaml');
}

function check(c: Case): void {
  const spec = scenario(c);
  const { result, outcomes } = runScenario(spec);
  assert.equal(result.status, 'done', result.stopReason ?? '');
  assert.deepEqual(result.violations, []);
  const strangers = outcomes.traffic.records.filter((r) => r.result === 'ok' && !(r.pod ?? '').startsWith('web-'));
  assert.deepEqual(strangers.slice(0, 3), [], 'answered by something that is not a pod of web');
  for (const [i, s] of c.services.entries()) {
    const sources = [!s.internalLocal ? `in-${i}` : undefined, s.type !== 'ClusterIP' && !s.externalLocal ? `out-${i}` : undefined].filter((x): x is string => x !== undefined);
    for (const source of sources) {
      const tail = outcomes.traffic.records.filter((r) => r.source === source && r.startedAtMs >= (END_S - 12) * 1000);
      const ok = tail.filter((r) => r.result === 'ok').length;
      assert.ok(tail.length > 0 && ok / tail.length >= 0.95, `${source}: ${ok}/${tail.length} answered in the last 10 s (${[...new Set(tail.map((r) => `${r.result}${r.reason ? ` ${r.reason}` : ''}`))].join(', ')})`);
    }
  }
}

it(`traffic reaches the Deployment's pods under random Services, proxy modes and disruptions (${numRuns} runs)`, { timeout: 600_000 }, () => {
  const details = fc.check(fc.property(caseArb, check), {
    numRuns,
    seed: process.env.KUBESIM_PROPERTY_SEED ? Number(process.env.KUBESIM_PROPERTY_SEED) : undefined,
    path: process.env.KUBESIM_PROPERTY_PATH,
    endOnFailure: process.env.KUBESIM_PROPERTY_SHRINK === undefined,
  });
  if (details.failed) {
    const replay = `KUBESIM_PROPERTY_SEED=${details.seed} KUBESIM_PROPERTY_PATH=${details.counterexamplePath} node --import tsx --test test/property/traffic.test.ts`;
    let written = '';
    const failing = details.counterexample?.[0];
    if (failing) {
      mkdirSync('counterexamples', { recursive: true });
      const file = `counterexamples/traffic-${details.seed}.yaml`;
      writeFileSync(file, toScenarioYaml({ ...scenario(failing), name: 'traffic-counterexample' }, `found by fast-check (seed ${details.seed}, path ${details.counterexamplePath})`));
      written = `\nscenario: ${file}  (npx kubesim run ${file})`;
    }
    const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    assert.fail(`property failed after ${details.numRuns} run(s), shrunk ${details.numShrinks} time(s):\n${why}\nreplay: ${replay}${written}`);
  }
});
