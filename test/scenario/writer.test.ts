import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { loadScenarioFile, loadScenarioText } from '../../cli/loader/index.ts';
import { toScenarioYaml } from '../../cli/scenario-writer.ts';
import { scheduleArb } from '../property/fault-schedule.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Specs compare equal once the positions they were read from are set aside. */
function withoutSources(spec: ScenarioSpec): unknown {
  return JSON.parse(JSON.stringify({ ...spec, file: '' }, (key, value) => (key === 'source' ? undefined : value)));
}

function assertRoundTrip(spec: ScenarioSpec, what: string): void {
  const again = loadScenarioText(toScenarioYaml(spec), 'rewritten.yaml');
  assert.deepEqual(withoutSources(again), withoutSources(spec), what);
}

it('every shipped scenario survives a write and a reload unchanged', () => {
  for (const f of readdirSync('scenarios').filter((n) => n.endsWith('.yaml'))) {
    assertRoundTrip(loadScenarioFile(`scenarios/${f}`), f);
  }
});

it('a scenario using every Kubernetes feature survives a write and a reload unchanged', () => {
  assertRoundTrip(loadScenarioFile(fixture('k8s-full.yaml')), 'k8s-full.yaml');
});

it('generated fault schedules survive a write and a reload unchanged (what the fuzzer writes is replayable)', () => {
  fc.assert(
    fc.property(scheduleArb, (spec) => {
      const again = loadScenarioText(toScenarioYaml(spec, 'generated'), 'counterexample.yaml');
      assert.deepEqual(withoutSources(again), withoutSources(spec));
    }),
    { numRuns: 100 },
  );
});

const K8S_BASE = loadScenarioText(
  `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: manifests}
spec:
  duration: 10s
  cluster:
    etcd: {members: 3}
    nodes: [{name: worker, count: 2}]
`,
  'base.yaml',
);

const scalarArb = fc.oneof(
  fc.string(),
  fc.constantFrom('on', 'Off', 'y', 'N', 'yes', '0644', '0x1F', '1_000', '.inf', '+1', '~', 'null', '<<', '1e3', '2024-01-01', '80:80', '-', '.'),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);

it('manifest values survive a write and a reload, whatever YAML 1.1 would make of them', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('on', 'y', '<<', '1')), scalarArb), fc.array(scalarArb), (data, list) => {
      const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { on: 'yes' } }, data, list };
      const spec: ScenarioSpec = {
        ...K8S_BASE,
        timeline: [{ atMs: 1000, action: { verb: 'apply', user: 'admin', manifests: [{ object, source: K8S_BASE.cluster.kubernetes!.nodes[0]!.source }] }, as: [], source: K8S_BASE.cluster.kubernetes!.nodes[0]!.source }],
      };
      assertRoundTrip(spec, JSON.stringify(object));
    }),
    { numRuns: 200 },
  );
});

it('numbered nodes whose settings differ (kube-proxy modes) are written so they load again', () => {
  const text = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: modes}
spec:
  duration: 30s
  cluster:
    etcd: {members: 3}
    nodes:
      - {name: worker, count: 1}
      - {name: worker-1, kubeProxy: {mode: userspace}}
      - {name: worker-2, kubeProxy: {mode: ipvs, ipvsScheduler: sh}}
  traffic:
    - {name: s, from: {node: worker-2}, to: web:80, rate: 2/s}
    - {name: x, from: external, to: "worker-1:30080", rate: 2/s}
`;
  const spec = loadScenarioText(text, 'modes.yaml');
  assert.deepEqual(spec.cluster.kubernetes?.nodes.map((n) => [n.name, n.kubeProxy?.mode ?? 'iptables']), [['worker-0', 'iptables'], ['worker-1', 'userspace'], ['worker-2', 'ipvs']]);
  assertRoundTrip(spec, 'modes.yaml');
});
