/**
 * The `netem` timeline verb as the loader reads it: the three scopes, defaults, `as`, and every
 * error at its file:line:column with what is expected and a fix; a counterexample writer's output
 * loads back to the same step.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TimelineAction } from '../../actors/scenario/spec.ts';
import { ScenarioError, loadScenarioText } from '../../cli/loader/index.ts';
import { toScenarioYaml } from '../../cli/scenario-writer.ts';

const HEAD = `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: t}
spec:
  duration: 60s
  cluster: {etcd: {members: 3}}
  clients: [{name: app, kind: etcd}]
  timeline:
`;

function actions(steps: string): TimelineAction[] {
  return loadScenarioText(HEAD + steps, 'x.yaml').timeline.map((s) => s.action);
}

function problem(steps: string): { at: string; message: string; text: string } {
  try {
    loadScenarioText(HEAD + steps, 'x.yaml');
  } catch (err) {
    assert.ok(err instanceof ScenarioError, String(err));
    assert.doesNotMatch(err.format(), /^\s+at /m, 'no stack trace');
    return { at: `${err.line}:${err.column}`, message: err.message, text: err.format() };
  }
  assert.fail('expected a ScenarioError');
}

describe('netem (timeline verb)', () => {
  it('reads every link, `on` hosts and `between` groups, with percentages, reorderDelay and for', () => {
    assert.deepEqual(actions('    - {at: 1s, netem: {loss: 5%, duplication: 1%, reorder: 2%, for: 10s}}\n'), [
      { verb: 'netem', scope: { kind: 'all' }, lossProbability: 0.05, duplicateProbability: 0.01, reorderProbability: 0.02, durationMs: 10_000 },
    ]);
    assert.deepEqual(actions('    - {at: 1s, netem: {on: [leader, etcd-2], loss: 0.5, reorderDelay: 30ms}, as: noisy}\n    - {at: 2s, heal: noisy}\n')[0], {
      verb: 'netem',
      scope: { kind: 'on', targets: ['leader', 'etcd-2'] },
      lossProbability: 0.5,
      duplicateProbability: 0,
      reorderProbability: 0,
      reorderDelayMsMax: 30,
    });
    assert.deepEqual(actions('    - {at: 1s, netem: {between: [[leader], rest], duplication: 100%}, as: [lone, others]}\n')[0], {
      verb: 'netem',
      scope: { kind: 'between', groups: [['leader'], ['rest']] },
      lossProbability: 0,
      duplicateProbability: 1,
      reorderProbability: 0,
    });
  });

  it('reports bad input at its place, with what is expected and a fix', () => {
    const cases: [string, string, string[]][] = [
      ['    - {at: 1s, netem: {loss: 5}}\n', '9:30', ['spec.timeline[0].netem.loss is 5, out of range', 'write loss: 5% if you meant a percentage']],
      ['    - {at: 1s, netem: {loss: 120%}}\n', '9:30', ['above 100%']],
      ['    - {at: 1s, netem: {for: 10s}}\n', '9:16', ['has no impairment', 'add loss, duplication or reorder']],
      ['    - {at: 1s, netem: {loss: 1%, on: etcd-1, between: [[etcd-0], rest]}}\n', '9:46', ['more than one scope: on and between', 'keep one']],
      ['    - {at: 1s, netem: {loss: 1%, between: [etcd-0]}}\n', '9:43', ['between has 1 group', 'between takes at least 2 groups']],
      ['    - {at: 1s, netem: {loss: 1%, on: etcd-7}}\n', '9:38', ['unknown member "etcd-7" in spec.timeline[0].netem.on']],
      ['    - {at: 1s, netem: {loss: 1%, for: 0s}}\n', '9:39', ['for is 0s', 'for: 10s']],
      ['    - {at: 1s, netem: {loss: 1%, reorderDelay: 2m}}\n', '9:48', ['reorderDelay is 2m, out of range']],
      ['    - {at: 1s, netem: {loss: 1%, duplicate: 1%}}\n', '9:34', ['unknown field "duplicate"']],
      ['    - {at: 1s, netem: {loss: 1%}, as: everyone}\n', '9:39', ['netem on every link has no targets to bind']],
      ['    - {at: 1s, netem: 5%}\n', '9:23', ['must be a map {loss, duplication, reorder, reorderDelay, for, on | between}']],
    ];
    for (const [steps, at, words] of cases) {
      const p = problem(steps);
      assert.equal(p.at, at, p.text);
      for (const w of words) assert.ok(p.message.includes(w), `${JSON.stringify(w)} not in: ${p.text}`);
      assert.match(p.text, /^x\.yaml:\d+:\d+: /);
    }
  });

  it('a written scenario loads back to the same netem steps', () => {
    const spec = loadScenarioText(
      HEAD + '    - {at: 1s, netem: {loss: 5%, duplication: 1%, reorder: 2%, reorderDelay: 20ms, for: 10s}}\n    - {at: 2s, netem: {between: [[leader], rest], loss: 50%}}\n    - {at: 3s, netem: {on: etcd-1, reorder: 0.5%}}\n',
      'x.yaml',
    );
    const again = loadScenarioText(toScenarioYaml(spec), 'y.yaml');
    assert.deepEqual(again.timeline.map((s) => s.action), spec.timeline.map((s) => s.action));
  });
});
