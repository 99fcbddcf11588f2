/**
 * The Kubernetes documentation's controller examples (scenarios/manifests/docs/, unchanged copies)
 * applied to a 3-worker cluster reach their desired state: every replica Running and ready, the
 * Job complete, the CronJob's first Job done, the PodDisruptionBudget's status computed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText } from '../../cli/loader/index.ts';

const SCENARIOS = join(import.meta.dirname, '..', '..', 'scenarios');

interface Example {
  file: string;
  duration: string;
  expect: Record<string, unknown>[];
  /** What the example assumes the cluster already has (the StatefulSet's `my-storage-class`). */
  given?: Record<string, unknown>[];
}

const MY_STORAGE_CLASS = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'my-storage-class' }, provisioner: 'kubesim.io/simulated', volumeBindingMode: 'Immediate' };

const within = (limit: string) => ({ after: '0s', limit });

const EXAMPLES: Example[] = [
  { file: 'deployment-nginx.yaml', duration: '60s', expect: [{ name: 'three available', within: within('50s'), that: { workload: { object: 'deployment/nginx-deployment', available: 3, updated: 3 } } }] },
  { file: 'replicaset-frontend.yaml', duration: '60s', expect: [{ name: 'three ready', within: within('50s'), that: { workload: { object: 'replicaset/frontend', ready: 3 } } }] },
  { file: 'replicationcontroller-nginx.yaml', duration: '60s', expect: [{ name: 'three running', within: within('50s'), that: { pods: { selector: 'app=nginx', phase: 'Running', ready: true, count: 3 } } }] },
  { file: 'daemonset-fluentd-elasticsearch.yaml', duration: '60s', expect: [{ name: 'one per node', within: within('50s'), that: { workload: { object: 'daemonset/fluentd-elasticsearch', namespace: 'kube-system', ready: 3 } } }] },
  { file: 'statefulset-web.yaml', duration: '120s', given: [MY_STORAGE_CLASS], expect: [{ name: 'web-0..2 ready', within: within('110s'), that: { workload: { object: 'statefulset/web', ready: 3 } } }] },
  { file: 'job-pi.yaml', duration: '120s', expect: [{ name: 'complete', within: within('110s'), that: { workload: { object: 'job/pi', condition: { type: 'Complete', status: 'True' } } } }] },
  { file: 'cronjob-hello.yaml', duration: '150s', expect: [{ name: 'a Job of the CronJob succeeded', within: within('140s'), that: { event: { reason: 'SawCompletedJob', messageContains: 'condition: Complete', object: 'cronjob/hello' } } }] },
  { file: 'pdb-zk.yaml', duration: '30s', expect: [{ name: 'status computed: needs 2, has none', within: within('20s'), that: { object: { object: 'poddisruptionbudget/zk-pdb', field: 'status.desiredHealthy', equals: 2 } } }] },
];

function scenarioText(example: Example): string {
  return stringify({
    apiVersion: 'kubesim.io/v1alpha1',
    kind: 'Scenario',
    metadata: { name: `docs-${example.file.replace(/\.yaml$/, '')}` },
    spec: {
      seed: 1,
      duration: example.duration,
      cluster: { etcd: { members: 3 }, controlPlane: { apiservers: 1, schedulers: 1, controllerManagers: 1 }, nodes: [{ name: 'worker', count: 3 }] },
      workload: [...(example.given ?? []), { path: `manifests/docs/${example.file}` }],
      expect: example.expect,
    },
  });
}

describe('the Kubernetes documentation\'s controller examples reach their desired state', { timeout: 600_000 }, () => {
  for (const example of EXAMPLES) {
    it(example.file, { timeout: 300_000 }, () => {
      const spec = loadScenarioText(scenarioText(example), join(SCENARIOS, 'docs-examples.yaml'));
      const { result } = runScenario(spec);
      assert.deepEqual(result.expectations.filter((x) => !x.ok).map((x) => `${x.name}: ${x.detail}`), []);
      assert.deepEqual(result.violations, []);
    });
  }
});
