/**
 * `that.endpoints`: a Service's EndpointSlices and Endpoints list exactly its ready pods. It
 * holds on a Service whose controllers keep up (one pod never ready is left out), fails on an
 * address that is no ready pod of the Service (a hand-written EndpointSlice for it, which
 * kube-proxy would route to), and the loader reads, refuses and writes it back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText, ScenarioError } from '../../cli/loader/index.ts';
import { toScenarioYaml } from '../../cli/scenario-writer.ts';

const scenario = (extraWorkload: string, expect: string): string => `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: endpoints}
spec:
  seed: 1
  duration: 12s
  cluster:
    etcd: {members: 3}
    nodes: [{name: worker, count: 2}]
  workload:
    - apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 2
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers: [{name: web, image: nginx:1.25, ports: [{containerPort: 80}]}]
    - apiVersion: v1
      kind: Pod
      metadata:
        name: warming
        labels: {app: web}
        annotations: {kubesim.io/behavior.web: "fail readiness"}
      spec:
        containers: [{name: web, image: nginx:1.25, readinessProbe: {tcpSocket: {port: 80}, periodSeconds: 1}}]
    - apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        selector: {app: web}
        ports: [{port: 80}]
${extraWorkload}
  expect:
${expect}
`;

const AT_10S = `    - name: web routes to its ready pods
      at: 10s
      that:
        endpoints: {service: web}`;

describe('that.endpoints', () => {
  it('holds when the Service lists exactly its ready pods: the pod that is never ready is left out', () => {
    const { result } = runScenario(loadScenarioText(scenario('', AT_10S), 'inline.yaml'));
    const [e] = result.expectations;
    assert.equal(e!.ok, true, e!.detail);
    assert.match(e!.detail, /^service\/web routes to its 2 ready pod\(s\): 10\.244\.\d+\.\d+, 10\.244\.\d+\.\d+$/);
  });

  it('fails on an address that is no ready pod of the Service, and names it', () => {
    const stray = `    - apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata:
        name: web-by-hand
        labels: {kubernetes.io/service-name: web}
      addressType: IPv4
      endpoints: [{addresses: [10.9.9.9]}]
      ports: [{port: 80}]`;
    const { result } = runScenario(loadScenarioText(scenario(stray, AT_10S), 'inline.yaml'));
    const [e] = result.expectations;
    assert.equal(e!.ok, false, e!.detail);
    assert.match(e!.detail, /its EndpointSlices list .*10\.9\.9\.9.*, with 10\.9\.9\.9 that is no ready pod of the Service/);
    // The Endpoints object is the controller's alone, and right.
    assert.doesNotMatch(e!.detail, /its Endpoints list/);
  });

  it('fails for a Service that does not exist', () => {
    const expect = `    - name: nothing routes
      at: 10s
      that:
        endpoints: {service: api}`;
    const { result } = runScenario(loadScenarioText(scenario('', expect), 'inline.yaml'));
    assert.equal(result.expectations[0]!.ok, false);
    assert.equal(result.expectations[0]!.detail, 'service/api does not exist');
  });

  it('is read with its namespace, written back unchanged, and a bad one is refused with where and how to fix it', () => {
    const expect = `    - name: in shop
      at: 10s
      that:
        endpoints: {service: web, namespace: shop}`;
    const spec = loadScenarioText(scenario('', expect), 'inline.yaml');
    assert.deepEqual(spec.expectations[0]!.endpoints, { service: 'web', namespace: 'shop' });
    assert.deepEqual(loadScenarioText(toScenarioYaml(spec), 'again.yaml').expectations[0]!.endpoints, { service: 'web', namespace: 'shop' });
    for (const [bad, words] of [
      ['{service: Web_1}', ['that.endpoints.service is "Web_1", not a Service name', 'DNS-1035']],
      ['{namespace: shop}', ['service']],
      ['{service: web, port: 80}', ['port']],
    ] as const) {
      const text = scenario('', `    - name: bad
      at: 10s
      that:
        endpoints: ${bad}`);
      let error: unknown;
      try {
        loadScenarioText(text, 'inline.yaml');
      } catch (err) {
        error = err;
      }
      assert.ok(error instanceof ScenarioError, `${bad} loaded`);
      assert.equal(error.line, text.split('\n').findIndex((l) => l.includes('endpoints:')) + 1, error.format());
      for (const w of words) assert.ok(error.format().includes(w), `${bad}: ${error.format()}`);
      assert.doesNotMatch(error.format(), /^\s+at /m, 'no stack trace');
    }
  });
});
