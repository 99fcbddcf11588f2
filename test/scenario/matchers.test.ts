import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { valueAtFieldPath as fieldAt } from '../../actors/api/fields.ts';
import { describeMatch, matchValue } from '../../actors/scenario/match.ts';
import type { Match } from '../../actors/scenario/spec.ts';
import { loadScenarioText, ScenarioError } from '../../cli/loader/index.ts';

function scenario(expect: string): string {
  return `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: matchers}
spec:
  duration: 60s
  cluster:
    etcd: {members: 3}
    nodes: [{name: worker, count: 3}]
  clients: [{name: app, kind: etcd}]
  timeline:
    - {at: 1s, get: {client: app, key: /k, id: r1}}
    - {at: 2s, cordon: {node: worker-1, id: c1}}
  expect:
${expect}`;
}

function errors(expect: string): string {
  try {
    loadScenarioText(scenario(expect), 'm.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return err.format();
    throw err;
  }
  return '';
}

describe('compared values (not, in)', { timeout: 10_000 }, () => {
  it('match a value, none of a list, or one of a list; an unset value matches nothing', () => {
    assert.equal(matchValue('worker-2', 'worker-2'), true);
    assert.equal(matchValue({ not: ['worker-1'] }, 'worker-2'), true);
    assert.equal(matchValue({ not: ['worker-1', 'worker-2'] }, 'worker-2'), false);
    assert.equal(matchValue({ in: ['worker-0', 'worker-2'] }, 'worker-2'), true);
    assert.equal(matchValue({ in: ['worker-0'] }, 'worker-2'), false);
    const forms: Match<string>[] = ['x', { not: ['x'] }, { in: ['x'] }];
    for (const m of forms) {
      assert.equal(matchValue(m, undefined), false);
      assert.equal(matchValue(m, null), false);
    }
    assert.equal(matchValue(3, '3'), false, 'types matter');
    assert.equal(matchValue({ in: [200, 201] }, 201), true);
    assert.equal(describeMatch({ not: ['a', 'b'] }), 'not "a" nor "b"');
    assert.equal(describeMatch({ in: [1, 2] }), 'one of 1, 2');
  });

  it('field paths take list indexes as [i] or .i', () => {
    const pod = { spec: { containers: [{ image: 'nginx' }] } };
    assert.equal(fieldAt(pod, 'spec.containers[0].image'), 'nginx');
    assert.equal(fieldAt(pod, 'spec.containers.0.image'), 'nginx');
    assert.equal(fieldAt(pod, 'spec.containers[1].image'), undefined);
    assert.equal(fieldAt(pod, 'spec.constructor'), undefined);
  });

  it('load in every compared field', () => {
    const spec = loadScenarioText(
      scenario(`    - {name: a, at: 5s, that: {pods: {nodeName: {not: worker-1}}}}
    - {name: b, at: 5s, that: {pods: {nodeName: worker-0, count: 1}}}
    - {name: c, at: 5s, that: {object: {object: node/worker-1, field: spec.unschedulable, equals: {in: [true]}}}}
    - {name: d, at: 5s, that: {node: {name: worker-0, condition: {type: Ready, status: {in: ["False", Unknown]}}}}}
    - {name: e, at: 5s, that: {request: {id: c1, code: {not: [403, 404]}}}}
    - {name: f, at: 5s, that: {op: {id: r1, readValue: {in: ["1", "2"]}}}}
    - {name: g, at: 5s, that: {etcd: {value: {key: /k, equals: {not: "0"}}}}}
`),
      'm.yaml',
    );
    const [a, b, c, d, e, f, g] = spec.expectations;
    assert.deepEqual(a!.pods?.nodeName, { not: ['worker-1'] });
    assert.equal(b!.pods?.nodeName, 'worker-0');
    assert.deepEqual(c!.object?.equals, { in: [true] });
    assert.deepEqual(d!.node?.condition?.status, { in: ['False', 'Unknown'] });
    assert.deepEqual(e!.request?.code, { not: [403, 404] });
    assert.deepEqual(f!.op?.readValue, { in: ['1', '2'] });
    assert.deepEqual(g!.etcd?.value?.equals, { not: ['0'] });
  });

  it('report mistakes with their position and a fix', () => {
    assert.match(errors('    - {name: a, at: 5s, that: {pods: {nodeName: [worker-1]}}}\n'), /m\.yaml:14:\d+: spec\.expect\[0\]\.that\.pods\.nodeName is a list .*Fix: to allow any of these values, write nodeName: \{in: \[worker-1\]\}/);
    assert.match(errors('    - {name: a, at: 5s, that: {pods: {nodeName: {in: []}}}}\n'), /nodeName\.in is an empty list/);
    assert.match(errors('    - {name: a, at: 5s, that: {pods: {nodeName: {in: worker-1}}}}\n'), /nodeName\.in is not a list .*Fix: write in: \[worker-1\]/);
    assert.match(errors('    - {name: a, at: 5s, that: {pods: {nodeName: {not: a, in: [b]}}}}\n'), /has more than one comparison: not and in/);
    assert.match(errors('    - {name: a, at: 5s, that: {pods: {nodeName: {nott: a}}}}\n'), /unknown field "nott" .*did you mean "not"/);
    assert.match(errors('    - {name: a, at: 5s, that: {request: {id: c1, code: {in: [200, "201"]}}}}\n'), /code\.in\[1\] must be an integer/);
    assert.match(errors('    - {name: a, at: 5s, that: {object: {object: node/worker-1, field: spec.unschedulable, equals: {in: [{x: 1}]}}}}\n'), /equals\.in\[0\] must be a string, a number or a boolean/);
  });
});
