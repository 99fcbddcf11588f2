import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { replacementPatch } from '../../actors/kubectl/kubectl-core.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { ScenarioError, loadScenarioText } from '../../cli/loader/index.ts';
import { toScenarioYaml } from '../../cli/scenario-writer.ts';

/** The kubectl verbs rollout, set-image, scale of more kinds, delete --cascade; that.workload and that.rollout. */

const FILE = fileURLToPath(new URL('./fixtures/inline.yaml', import.meta.url));
const T = { timeout: 300_000 };

const HEAD = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: t}
spec:
  duration: 90s
  cluster:
    etcd: {members: 3}
    nodes: [{name: worker, count: 2}]
`;

function problem(text: string): string {
  try {
    loadScenarioText(HEAD + text, FILE);
  } catch (err) {
    assert.ok(err instanceof ScenarioError, String(err));
    return err.format();
  }
  assert.fail('the scenario loaded');
}

describe('loading the verbs', () => {
  it('reads rollout, set-image, scale and delete cascade into actions', T, () => {
    const spec = loadScenarioText(
      `${HEAD}  timeline:
    - {at: 1s, rollout: {undo: deploy/web, toRevision: 2, id: u}}
    - {at: 2s, rollout: {restart: statefulset/db, namespace: batch}}
    - {at: 3s, set-image: {object: deployment/web, container: web, image: "nginx:1.26", user: admin}}
    - {at: 4s, scale: {object: sts/db, replicas: 3}}
    - {at: 5s, delete: {object: deployment/web, cascade: foreground}}
`,
      FILE,
    );
    assert.deepEqual(
      spec.timeline.map((s) => s.action),
      [
        { verb: 'rollout', action: 'undo', user: 'admin', object: { kind: 'deployment', name: 'web', namespace: 'default' }, toRevision: 2, id: 'u' },
        { verb: 'rollout', action: 'restart', user: 'admin', object: { kind: 'statefulset', name: 'db', namespace: 'batch' } },
        { verb: 'set-image', user: 'admin', object: { kind: 'deployment', name: 'web', namespace: 'default' }, container: 'web', image: 'nginx:1.26' },
        { verb: 'scale', user: 'admin', object: { kind: 'statefulset', name: 'db', namespace: 'default' }, replicas: 3 },
        { verb: 'kubectl-delete', user: 'admin', object: { kind: 'deployment', name: 'web', namespace: 'default' }, cascade: 'foreground' },
      ],
    );
  });

  it('reports wrong uses at their line', T, () => {
    const at = (steps: string) => problem(`  timeline:\n${steps}`);
    assert.match(at(`    - {at: 1s, rollout: {undo: deployment/web, pause: deployment/web}}\n`), /inline\.yaml:10:.*rollout action/);
    assert.match(at(`    - {at: 1s, rollout: {undo: pod/web}}\n`), /inline\.yaml:10:\d+: .*is a pod, which kubectl rollout undo does not take/);
    assert.match(at(`    - {at: 1s, rollout: {pause: deployment/web, toRevision: 2}}\n`), /only rollout undo takes a revision/);
    assert.match(at(`    - {at: 1s, rollout: {undo: deployment/web, toRevision: 0}}\n`), /inline\.yaml:10:/);
    assert.match(at(`    - {at: 1s, set-image: {object: node/worker-0, container: c, image: x}}\n`), /is a node, which has no pod template/);
    assert.match(at(`    - {at: 1s, set-image: {object: deployment/web, image: x}}\n`), /missing required field "container"/);
    assert.match(at(`    - {at: 1s, scale: {object: daemonset/x, replicas: 2}}\n`), /is a daemonset, which cannot be scaled/);
    assert.match(at(`    - {at: 1s, delete: {object: pod/x, cascade: sideways}}\n`), /inline\.yaml:10:\d+: .*cascade/);
  });

  it('reads and checks that.workload and that.rollout', T, () => {
    const spec = loadScenarioText(
      `${HEAD}  expect:
    - name: w
      at: 10s
      that: {workload: {object: deployment/web, available: {atLeast: 2, atMost: 3}, revision: 2, updated: {not: 0}, condition: {type: Available, status: "True"}}}
    - name: r
      always: {from: 10s, to: 20s}
      that: {rollout: {object: deploy/web}}
`,
      FILE,
    );
    assert.deepEqual(spec.expectations[0]!.workload, {
      object: { kind: 'deployment', name: 'web', namespace: 'default' },
      counts: { available: { atLeast: 2, atMost: 3 }, revision: 2, updated: { not: [0] } },
      condition: { type: 'Available', status: 'True' },
    });
    assert.deepEqual(spec.expectations[1]!.rollout, { object: { kind: 'deployment', name: 'web', namespace: 'default' } });
    const exp = (that: string) => problem(`  expect:\n    - name: x\n      at: 10s\n      that: ${that}\n`);
    assert.match(exp(`{workload: {object: job/x, replicas: 2}}`), /inline\.yaml:12:\d+: .*a job has no replicas count/);
    assert.match(exp(`{workload: {object: pod/x, ready: 2}}`), /is a pod, not a workload/);
    assert.match(exp(`{workload: {object: deployment/x}}`), /assertion/);
    assert.match(exp(`{workload: {object: deployment/x, ready: {atLeast: 3, atMost: 2}}}`), /atLeast 3 above atMost 2/);
    assert.match(exp(`{rollout: {object: replicaset/x}}`), /rollout bounds are a Deployment/);
  });

  it('reads and checks that.running', T, () => {
    const spec = loadScenarioText(`${HEAD}  expect:\n    - name: n\n      at: 10s\n      that: {running: {object: deploy/web, count: 6, maxAtOnce: {atLeast: 7}}}\n`, FILE);
    assert.deepEqual(spec.expectations[0]!.running, { object: { kind: 'deployment', name: 'web', namespace: 'default' }, count: 6, maxAtOnce: { atLeast: 7 } });
    const exp = (that: string) => problem(`  expect:\n    - name: x\n      at: 10s\n      that: ${that}\n`);
    assert.match(exp(`{running: {object: node/worker-0, count: 1}}`), /is a node, which runs no pods of its own/);
    assert.match(exp(`{running: {object: deployment/x}}`), /assertion/);
    assert.match(exp(`{running: {object: deployment/x, maxAtOnce: {atLeast: 3, atMost: 2}}}`), /atLeast 3 above atMost 2/);
  });
});

describe('the scenario writer', () => {
  it('writes the new verbs and subjects back as they load', T, () => {
    const spec = loadScenarioText(
      `${HEAD}  timeline:
    - {at: 1s, rollout: {undo: deploy/web, toRevision: 2, id: u}}
    - {at: 2s, rollout: {restart: statefulset/db, namespace: batch, user: admin}}
    - {at: 3s, set-image: {object: deployment/web, container: web, image: "nginx:1.26"}}
    - {at: 5s, delete: {object: deployment/web, cascade: orphan}}
  expect:
    - {name: w, at: 10s, that: {workload: {object: job/x, namespace: batch, succeeded: {atLeast: 1}, failed: 0, condition: {type: Complete, status: "True", reason: {not: [x]}}}}}
    - {name: r, always: {from: 10s, to: 20s}, that: {rollout: {object: deploy/web}}}
`,
      FILE,
    );
    const strip = (x: unknown): unknown => JSON.parse(JSON.stringify({ ...(x as object), file: '' }, (key, value) => (key === 'source' ? undefined : value)));
    assert.deepEqual(strip(loadScenarioText(toScenarioYaml(spec), 'rewritten.yaml')), strip(spec));
  });
});

describe('replacementPatch', () => {
  it('turns one template into exactly the other as a merge patch', T, () => {
    assert.deepEqual(
      replacementPatch({ metadata: { labels: { app: 'web', version: 'bad' }, annotations: { a: '1' } }, spec: { containers: [{ name: 'web', image: 'b' }] } }, { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'a' }] } }),
      { metadata: { labels: { version: null }, annotations: null }, spec: { containers: [{ name: 'web', image: 'a' }] } },
    );
  });
});

describe('the verbs in a run', () => {
  it('set-image, rollout pause/resume/restart/undo and kubectl errors, with workload and rollout expectations', T, () => {
    const spec = loadScenarioText(
      `${HEAD}  timeline:
    - at: 5s
      apply:
        manifest:
          apiVersion: apps/v1
          kind: Deployment
          metadata: {name: web}
          spec:
            replicas: 3
            selector: {matchLabels: {app: web}}
            strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
            template:
              metadata: {labels: {app: web}}
              spec: {containers: [{name: web, image: "nginx:1.25"}]}
    - {at: 15s, set-image: {object: deployment/web, container: web, image: "nginx:1.26", id: img}}
    - {at: 16s, set-image: {object: deployment/web, container: nope, image: "x", id: no-container}}
    - {at: 30s, rollout: {undo: deployment/web, toRevision: 9, id: no-revision}}
    - {at: 31s, rollout: {pause: deployment/web, id: pause}}
    - {at: 32s, rollout: {undo: deployment/web, id: undo-paused}}
    - {at: 33s, rollout: {resume: deployment/web, id: resume}}
    - {at: 35s, rollout: {restart: deployment/web, id: restart}}
    - {at: 55s, rollout: {undo: deployment/web, toRevision: 1, id: undo}}
  expect:
    - {name: img, within: {after: 15s, limit: 2s}, that: {request: {id: img, code: 200, messageContains: deployment.apps/web image updated}}}
    - {name: no-container, within: {after: 16s, limit: 2s}, that: {request: {id: no-container, code: 400, messageContains: 'unable to find container named "nope"'}}}
    - {name: revision 2 done, within: {after: 15s, limit: 14s}, that: {workload: {object: deployment/web, revision: 2, updated: 3, available: 3, replicas: 3}}}
    - {name: no-revision, within: {after: 30s, limit: 1s}, that: {request: {id: no-revision, code: 400, messageContains: unable to find specified revision 9 in history}}}
    - {name: paused, within: {after: 31s, limit: 1s}, that: {object: {object: deployment/web, field: spec.paused, equals: true}}}
    - {name: undo-paused, within: {after: 32s, limit: 1s}, that: {request: {id: undo-paused, code: 400, messageContains: cannot rollback a paused deployment}}}
    - {name: resumed, within: {after: 33s, limit: 1s}, that: {object: {object: deployment/web, field: spec.paused, exists: false}}}
    - {name: restarted, within: {after: 35s, limit: 1s}, that: {object: {object: deployment/web, field: spec.template.metadata.annotations, exists: true}}}
    - {name: revision 3 done, within: {after: 35s, limit: 19s}, that: {workload: {object: deployment/web, revision: 3, updated: 3, available: 3}}}
    - {name: undo, within: {after: 55s, limit: 1s}, that: {request: {id: undo, code: 200, messageContains: deployment.apps/web rolled back}}}
    - {name: first image back, within: {after: 55s, limit: 20s}, that: {workload: {object: deployment/web, revision: 4, updated: 3, available: 3, replicas: 3}}}
    - {name: bounds, always: {from: 14s, to: 90s}, that: {rollout: {object: deployment/web}}}
`,
      FILE,
    );
    const { result } = runScenario(spec);
    const failed = result.expectations.filter((e) => !e.ok).map((e) => `${e.name}: ${e.detail}`);
    assert.deepEqual(failed, []);
    assert.ok(result.ok);
  });
});
