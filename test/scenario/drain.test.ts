/**
 * kubectl drain: which pods it evicts (kubectl's filters and texts), the timeline verb as the
 * loader reads it, and a whole run where a PodDisruptionBudget makes the eviction API answer 429
 * until each replacement is Ready.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../../actors/api/protocol.ts';
import type { TraceEvent } from '../../actors/kernel/trace.ts';
import type { ApiResult } from '../../actors/client/api-client.ts';
import { newApiClient } from '../../actors/client/api-client.ts';
import { newOutput } from '../../actors/kernel/output.ts';
import { goDuration, selectPodsToEvict } from '../../actors/kubectl/drain.ts';
import { invoke, newKubectl, onDrainTimeout, onDrainTimer, onResult } from '../../actors/kubectl/kubectl-core.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { ScenarioError, loadScenarioText } from '../../cli/loader/index.ts';

const T = { timeout: 300_000 };
const FILE = fileURLToPath(new URL('./fixtures/inline.yaml', import.meta.url));
const SHIPPED = fileURLToPath(new URL('../../scenarios/drain-with-pdb.yaml', import.meta.url));

function pod(name: string, opts: { owner?: string; phase?: string; emptyDir?: boolean; mirror?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      ...(opts.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: opts.owner, name: 'x', uid: 'u', controller: true }] } : {}),
      ...(opts.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'abc' } } : {}),
    },
    spec: { ...(opts.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}) },
    status: { phase: opts.phase ?? 'Running' },
  } as KubeObject;
}

const NONE = { ignoreDaemonsets: false, deleteEmptydirData: false, force: false };

describe('kubectl drain: the pods it evicts', () => {
  it('evicts pods of a ReplicaSet, skips mirror pods, and refuses DaemonSet pods without --ignore-daemonsets', () => {
    const pods = [pod('web', { owner: 'ReplicaSet' }), pod('static', { mirror: true }), pod('ds', { owner: 'DaemonSet' })];
    const refused = selectPodsToEvict(pods, NONE);
    assert.deepEqual([refused.errors, refused.warnings], [['cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds'], []]);
    const ignoring = selectPodsToEvict(pods, { ...NONE, ignoreDaemonsets: true });
    assert.deepEqual(ignoring.evict.map((p) => p.metadata?.name), ['web']);
    assert.deepEqual(ignoring.warnings, ['Warning: ignoring DaemonSet-managed Pods: default/ds']);
  });

  it('refuses pods with no controller unless --force, and pods with emptyDir unless --delete-emptydir-data; terminal pods always go', () => {
    const pods = [pod('bare'), pod('cache', { owner: 'ReplicaSet', emptyDir: true }), pod('done', { phase: 'Succeeded', emptyDir: true })];
    assert.deepEqual(selectPodsToEvict(pods, NONE).errors, [
      'cannot delete Pods that declare no controller (use --force to override): default/bare; cannot delete Pods with local storage (use --delete-emptydir-data to override): default/cache',
    ]);
    const all = selectPodsToEvict(pods, { ...NONE, force: true, deleteEmptydirData: true });
    assert.deepEqual(all.evict.map((p) => p.metadata?.name), ['bare', 'cache', 'done']);
    assert.deepEqual(all.warnings, ['Warning: deleting Pods that declare no controller: default/bare', 'Warning: deleting Pods with local storage: default/cache']);
  });

  it("prints durations as Go does", () => {
    assert.deepEqual([goDuration(600), goDuration(45), goDuration(3600), goDuration(90)], ['10m0s', '45s', '1h0m0s', '1m30s']);
  });
});

const HEAD = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: t}
spec:
  duration: 90s
  cluster:
    etcd: {members: 3}
    nodes: [{name: worker, count: 2}]
  timeline:
`;

describe('kubectl drain: the timeline verb', () => {
  it('reads the short and the full form, with a 10 min timeout by default', () => {
    const spec = loadScenarioText(`${HEAD}    - {at: 1s, drain: worker-0}\n    - {at: 2s, drain: {node: worker-1, ignoreDaemonsets: true, deleteEmptydirData: true, timeout: 2m, gracePeriod: 5s, id: d1}}\n`, FILE);
    assert.deepEqual(
      spec.timeline.map((s) => s.action),
      [
        { verb: 'drain', user: 'admin', node: 'worker-0', ignoreDaemonsets: false, deleteEmptydirData: false, force: false, timeoutSeconds: 600 },
        { verb: 'drain', user: 'admin', node: 'worker-1', ignoreDaemonsets: true, deleteEmptydirData: true, force: false, timeoutSeconds: 120, gracePeriodSeconds: 5, id: 'd1' },
      ],
    );
  });

  it('refuses an unknown node and a grace period that is not whole seconds', () => {
    const problem = (text: string): string => {
      try {
        loadScenarioText(HEAD + text, FILE);
      } catch (err) {
        assert.ok(err instanceof ScenarioError, String(err));
        return err.format();
      }
      assert.fail('the scenario loaded');
    };
    assert.match(problem(`    - {at: 1s, drain: worker-9}\n`), /worker-9/);
    assert.match(problem(`    - {at: 1s, drain: {node: worker-0, gracePeriod: 1500ms}}\n`), /not a whole number of seconds/);
  });
});

describe('kubectl drain: a run against a PodDisruptionBudget', () => {
  it('evicts one pod at a time: each 429 is retried 5 s later and succeeds, the drain ends with node/worker-0 drained', T, () => {
    const spec = loadScenarioText(readFileSync(SHIPPED, 'utf8'), SHIPPED);
    const requests: TraceEvent[] = [];
    const { result } = runScenario(spec, { onTrace: (e) => void (e.kind === 'k8s.request' && e.id === 'drain-worker-0' && requests.push(e)) });
    assert.deepEqual(result.expectations.filter((e) => !e.ok).map((e) => e.name), []);
    const evicted = requests.filter((e) => e.code === 201).map((e) => e.name);
    assert.equal(evicted.length, 3, 'three pods evicted');
    const refused = requests.filter((e) => e.code === 429);
    assert.ok(refused.length >= 2, `at least two evictions refused at first (${refused.length})`);
    for (const r of refused) {
      assert.ok(evicted.includes(r.name as string), `${String(r.name)} was refused, then evicted`);
      const retry = requests.find((e) => e.name === r.name && (e.t as number) > (r.t as number));
      assert.ok(retry && (retry.t as number) - (r.t as number) >= 5_000, `${String(r.name)} retried no sooner than 5 s`);
    }
    const last = requests[requests.length - 1]!;
    assert.deepEqual([last.code, last.message], [200, 'node/worker-0 drained']);
  });
});

describe('kubectl drain: the steps of the kubectl core', () => {
  /** A kubectl core whose requests are collected; answers are fed back by hand. */
  function drainCore(timeoutSeconds = 600) {
    const k = newKubectl({ user: 'admin', resolveKind: () => undefined }, newApiClient({ name: 'admin', token: 't', server: 'kube-apiserver', requestTimeoutMs: 30_000, readIdleTimeoutMs: 60_000 }));
    const out = newOutput();
    invoke(k, { type: 'KubectlInvoke', id: 'd', command: { type: 'drain', node: 'worker-0', timeoutSeconds, ...NONE } }, out, 0);
    const sent = () => out.sends.map((s) => (s.msg as unknown as { verb: string; resource: string; subresource?: string; name?: string }));
    const lines = () => out.traces.filter((t) => t.kind === 'k8s.request').map((t) => `${String(t.fields.code)} ${String(t.fields.message)}`);
    const answer = (phase: string, code: number, body: unknown = {}) => onResult(k, { tag: `kubectl:d:${phase}`, reqId: 0, code, body } as ApiResult, out, 0);
    return { k, out, sent, lines, answer };
  }

  it('cordons, lists the node, evicts, waits until the pod is gone, then reports the node drained', () => {
    const d = drainCore();
    assert.deepEqual(d.sent().map((m) => `${m.verb} ${m.resource}`), ['patch nodes']);
    d.answer('drain-cordon', 200);
    d.answer('drain-list', 200, { items: [pod('web', { owner: 'ReplicaSet' })] });
    assert.deepEqual(d.sent().slice(-1).map((m) => `${m.verb} ${m.resource}/${m.subresource} ${m.name}`), ['create pods/eviction web']);
    d.answer('drain-evict-0', 201);
    d.answer('drain-wait-0', 200, pod('web', { owner: 'ReplicaSet' }));
    assert.equal(d.out.timers.filter((t) => t.id.startsWith('kubectl-drain-d-0-')).length, 1, 'polls again a second later');
    d.answer('drain-wait-0', 404);
    assert.deepEqual(d.lines(), ['200 node/worker-0 cordoned', '201 evicting pod default/web', '200 pod/web evicted', '200 node/worker-0 drained']);
    assert.equal(d.k.steps.size, 0);
  });

  it('retries a 429 after 5 s, and fails what is not done when the timeout passes', () => {
    const d = drainCore(60);
    d.answer('drain-cordon', 200);
    d.answer('drain-list', 200, { items: [pod('web', { owner: 'ReplicaSet' })] });
    d.answer('drain-evict-0', 429, { apiVersion: 'v1', kind: 'Status', status: 'Failure', code: 429, reason: 'TooManyRequests', message: "Cannot evict pod as it would violate the pod's disruption budget." });
    const retry = d.out.timers.find((t) => t.id === 'kubectl-drain-d-0-1')!;
    assert.deepEqual([retry.delayMs, retry.event], [5_000, { type: 'KubectlDrain', id: 'd', pod: 0, action: 'evict' }]);
    onDrainTimer(d.k, 'd', 0, 'evict', d.out, 0);
    assert.equal(d.sent().filter((m) => m.subresource === 'eviction').length, 2, 'evicted again');
    onDrainTimeout(d.k, 'd', d.out);
    assert.deepEqual(d.lines().slice(-1), ['400 error: unable to drain node "worker-0" due to error: error when evicting pods/"web" -n "default": global timeout reached: 1m0s, continuing command...']);
    assert.equal(d.k.steps.size, 0);
  });

  it('stops before evicting anything when a pod cannot be drained', () => {
    const d = drainCore();
    d.answer('drain-cordon', 200);
    d.answer('drain-list', 200, { items: [pod('web', { owner: 'ReplicaSet' }), pod('bare')] });
    assert.equal(d.sent().filter((m) => m.subresource === 'eviction').length, 0);
    assert.deepEqual(d.lines().slice(-1), ['400 error: unable to drain node "worker-0" due to error: cannot delete Pods that declare no controller (use --force to override): default/bare, continuing command...']);
  });
});
