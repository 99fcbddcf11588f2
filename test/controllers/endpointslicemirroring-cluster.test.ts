/**
 * The EndpointSlice mirroring controller on a whole simulated cluster: a Service without a
 * selector and the Endpoints a user writes for it (an external database at 192.0.2.10:5432)
 * yield one EndpointSlice managed by the mirroring controller, which kube-proxy can read; once
 * the Service gets a selector the mirrored slice is deleted and the EndpointSlice controller's
 * own (an empty placeholder: no pod matches) takes its place.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import type { ClusterState } from '../../actors/scenario/cluster-state.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

const SCENARIO = `
apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: endpointslice-mirroring}
spec:
  seed: 4
  duration: 30s
  cluster:
    etcd: {members: 3}
    controlPlane: {apiservers: 1, schedulers: 1, controllerManagers: 1}
    nodes:
      - {name: worker, count: 1}
  timeline:
    - at: 3s
      apply:
        id: external-db
        manifests:
          - apiVersion: v1
            kind: Service
            metadata: {name: db}
            spec: {ports: [{protocol: TCP, port: 5432, targetPort: 5432}]}
          - apiVersion: v1
            kind: Endpoints
            metadata: {name: db}
            subsets:
              - addresses: [{ip: 192.0.2.10}]
                ports: [{port: 5432}]
    - at: 15s
      patch: {object: service/db, patch: {spec: {selector: {app: db}}}, id: add-selector}
  expect:
    - name: the Service and Endpoints are created
      within: {after: 3s, limit: 2s}
      that: {request: {id: external-db, code: {in: [200, 201]}}}
    - name: the selector is added
      within: {after: 15s, limit: 2s}
      that: {request: {id: add-selector, code: 200}}
`;

const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const slicesOf = (state: ClusterState): KubeObject[] => state.list('endpointslices', 'default').filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === 'db');

describe('endpointslice mirroring on a cluster', { timeout: 180_000 }, () => {
  it('a selector-less Service with hand-written Endpoints gets a mirrored slice; adding a selector removes it', { timeout: 180_000 }, () => {
    let state: ClusterState | undefined;
    let beforeSelector: KubeObject[] | undefined;
    const traces: TraceEvent[] = [];
    const run = runScenario(loadScenarioText(SCENARIO, 'endpointslice-mirroring.yaml'), {
      onState: (s) => (state = s),
      onTrace: (e) => {
        if (e.kind === 'k8s.controller' && e.controller === 'endpointslicemirroring') traces.push(e);
      },
      // The slices just before the selector is added (14 s: 11 s after the Endpoints were written).
      onEvent: (sim) => {
        if (beforeSelector === undefined && sim.now() >= 14_000) beforeSelector = slicesOf(state!);
      },
    });
    assert.deepEqual(run.result.expectations.filter((x) => !x.ok).map((x) => `${x.name}: ${x.detail}`), []);
    assert.deepEqual(run.result.violations, []);

    assert.ok(beforeSelector, 'the run reached 14 s');
    assert.equal(beforeSelector.length, 1, 'one slice for the selector-less Service: the mirrored one');
    const mirrored = beforeSelector[0]! as KubeObject & { addressType: string; endpoints: unknown[]; ports: unknown[] };
    assert.equal(mirrored.metadata?.labels?.[MANAGED_BY], 'endpointslicemirroring-controller.k8s.io');
    assert.match(mirrored.metadata?.name ?? '', /^db-[a-z0-9]{5}$/);
    assert.deepEqual(mirrored.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.controller]), [['Endpoints', 'db', true]]);
    assert.equal(mirrored.addressType, 'IPv4');
    assert.deepEqual(mirrored.endpoints, [{ addresses: ['192.0.2.10'], conditions: { ready: true } }]);
    assert.deepEqual(mirrored.ports, [{ name: '', port: 5432, protocol: 'TCP' }]);

    const after = slicesOf(run.state);
    assert.deepEqual(after.map((s) => s.metadata?.labels?.[MANAGED_BY]), ['endpointslice-controller.k8s.io'], 'only the EndpointSlice controller\'s slice is left');
    assert.ok(!after.some((s) => s.metadata?.name === mirrored.metadata?.name));
    assert.deepEqual(traces.map((e) => e.action), ['endpointslice-created', 'endpointslice-deleted']);
  });
});
