/**
 * The scheduler end to end, through the shipped scenarios (apiserver, etcd, kubelets), over
 * several seeds, checked on the trace:
 * - start-up: a pod created while the scheduler's informers sync is tried promptly
 *   (unschedulable.yaml once waited 58 s for an unrelated event);
 * - preemption.yaml: the decision is carried out — Preempted event, graceful deletion of the
 *   victim (it takes 5 s to stop), the preemptor bound to the node it was nominated to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioFile } from '../../cli/loader/index.ts';

const T = { timeout: 120_000 };

interface Line {
  t: number;
  kind: string;
  [field: string]: unknown;
}

function run(file: string, seed: number): { ok: boolean; failed: string[]; lines: Line[] } {
  const lines: Line[] = [];
  const { result } = runScenario(loadScenarioFile(file, { seed: String(seed) }), { onTrace: (e) => lines.push(e as unknown as Line) });
  return { ok: result.ok, failed: result.expectations.filter((e) => !e.ok).map((e) => `${e.name}: ${e.detail}`), lines };
}

describe('scheduler scenarios', () => {
  it('unschedulable.yaml: the pod is tried within 2 s of its creation (seeds 1-4)', T, () => {
    for (let seed = 1; seed <= 4; seed++) {
      const { ok, failed, lines } = run('scenarios/unschedulable.yaml', seed);
      assert.deepEqual(failed, [], `seed ${seed}`);
      assert.ok(ok, `seed ${seed}`);
      const created = lines.find((l) => l.kind === 'k8s.request' && l['resource'] === 'pods' && l['verb'] === 'create' && l['code'] === 201);
      const tried = lines.find((l) => l.kind === 'k8s.schedule' && l['pod'] === 'default/big');
      assert.ok(created && tried, `seed ${seed}: created and tried`);
      assert.ok(tried.t - created.t <= 2_000, `seed ${seed}: created at ${created.t} ms, first tried at ${tried.t} ms`);
    }
  });

  it('preemption.yaml: victim preempted and gracefully deleted, preemptor bound to its nominated node (seeds 1-4)', T, () => {
    for (let seed = 1; seed <= 4; seed++) {
      const { ok, failed, lines } = run('scenarios/preemption.yaml', seed);
      assert.deepEqual(failed, [], `seed ${seed}`);
      assert.ok(ok, `seed ${seed}`);
      const attempts = lines.filter((l) => l.kind === 'k8s.schedule' && l['pod'] === 'default/urgent');
      const nominating = attempts.find((l) => l['nominatedNode'] !== undefined);
      assert.ok(nominating, `seed ${seed}: an attempt nominated a node`);
      const victims = nominating['victims'] as string[];
      assert.equal(victims.length, 1, `seed ${seed}: one victim is enough`);
      const victim = victims[0]!.split('/')[1]!;
      const preempted = lines.filter((l) => l.kind === 'k8s.event' && l['reason'] === 'Preempted');
      assert.deepEqual(
        preempted.map((l) => [l['object'], (l['message'] as string).replace(/pod \S+ on/, 'pod <uid> on')]),
        [[`pod/${victim}`, `Preempted by pod <uid> on node ${nominating['nominatedNode'] as string}`]],
        `seed ${seed}`,
      );
      const bound = attempts.filter((l) => l['node'] !== null);
      assert.deepEqual(bound.map((l) => l['node']), [nominating['nominatedNode']], `seed ${seed}: bound once, to the nominated node`);
      // Graceful: the victim takes 5 s to stop, and the preemptor waits for it.
      const stopped = lines.find((l) => l.kind === 'k8s.pod' && l['pod'] === victim && l['phase'] !== 'Running');
      assert.ok(stopped && stopped.t - preempted[0]!.t >= 4_900, `seed ${seed}: victim stopped at ${stopped?.t} ms, preempted at ${preempted[0]!.t} ms`);
      assert.ok(bound[0]!.t > stopped.t, `seed ${seed}: bound at ${bound[0]!.t} ms, before the victim stopped at ${stopped.t} ms`);
    }
  });
});
