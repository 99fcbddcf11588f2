import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioText, ScenarioError } from '../../cli/loader/index.ts';

/**
 * Every ```yaml block of README.md and scenarios/README.md is checked:
 * - a whole scenario (it has `kind: Scenario`) is loaded and run on its own seed, and every
 *   expectation must hold;
 * - a fragment (a part of a scenario: `nodes:`, `users:`, `workload:`, timeline steps,
 *   expectations, …) is put into the scenario below, in its place, and must load.
 * A block whose first line is `# planned` describes what is not built yet: it is not checked.
 */

interface Block {
  file: string;
  /** Line of the first line of the block's content (1-based). */
  line: number;
  text: string;
}

function yamlBlocks(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```yaml') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    out.push({ file, line: start + 1, text: lines.slice(start, end).join('\n') });
    i = end;
  }
  return out;
}

type Yaml = Record<string, unknown>;

/**
 * What the fragments of scenarios/README.md refer to: a client `app`, a user `alice`, workers,
 * the groups `minority` and `majority`, and (for expectations) the ids `w2`, `stale-read`, `d1`.
 */
function context(): { spec: Yaml; cluster: Yaml; baseSteps: Yaml[]; idSteps: Yaml[] } {
  const cluster: Yaml = { etcd: { members: 5 }, controlPlane: {}, nodes: [{ name: 'worker', count: 3 }] };
  const spec: Yaml = {
    seed: 1,
    duration: '2m',
    cluster,
    users: [{ name: 'alice', groups: ['developers'] }],
    clients: [{ name: 'app', kind: 'etcd' }],
    traffic: [{ name: 'shoppers', from: { node: 'worker-0' }, to: 'web:80', rate: '1/s' }],
  };
  const baseSteps = [{ at: '10s', partition: [['leader', 'a follower'], 'rest'], as: ['minority', 'majority'] }];
  const idSteps = [
    { at: '11s', put: { client: 'app', key: '/demo/b', value: '2', via: 'minority', id: 'w2' } },
    { at: '16s', get: { client: 'app', key: '/demo/a', consistency: 'serializable', id: 'stale-read' } },
    { at: '20s', delete: { object: 'pod/web-0', namespace: 'batch', user: 'alice', id: 'd1' } },
    { at: '25s', dig: { node: 'worker-0', name: 'web.default.svc.cluster.local', id: 'q1' } },
  ];
  return { spec, cluster, baseSteps, idSteps };
}

/** The fragment put into a whole scenario, or a reason why it cannot be. */
function embed(fragment: unknown): { text: string } | { error: string } {
  const { spec, cluster, baseSteps, idSteps } = context();
  const isMap = (v: unknown): v is Yaml => typeof v === 'object' && v !== null && !Array.isArray(v);
  let steps = baseSteps;
  if (Array.isArray(fragment) && fragment.every((x) => isMap(x) && 'name' in x && 'that' in x)) {
    steps = [...baseSteps, ...idSteps];
    spec['expect'] = fragment;
  } else if (Array.isArray(fragment) && fragment.every((x) => isMap(x) && 'at' in x)) {
    steps = [...baseSteps, ...fragment];
  } else if (isMap(fragment)) {
    for (const [key, value] of Object.entries(fragment)) {
      if (key === 'nodes' || key === 'network' || key === 'controlPlane' || key === 'dns' || key === 'externalServers') cluster[key] = value;
      else if (key === 'cluster') Object.assign(cluster, value);
      else if (key === 'timeline') steps = [...baseSteps, ...(value as Yaml[])];
      else if (key === 'expect') {
        steps = [...baseSteps, ...idSteps];
        spec['expect'] = value;
      } else if (['users', 'clients', 'workload', 'traffic'].includes(key)) spec[key] = value;
      else return { error: `unknown fragment key "${key}"` };
    }
  } else {
    return { error: 'not a scenario, a map of scenario fields, a list of steps or a list of expectations' };
  }
  spec['timeline'] = steps;
  return { text: stringify({ apiVersion: 'kubesim.io/v1alpha1', kind: 'Scenario', metadata: { name: 'readme-fragment' }, spec }) };
}

function problems(err: unknown): string {
  return err instanceof ScenarioError ? err.format() : String(err);
}

const blocks = [...yamlBlocks('README.md'), ...yamlBlocks('scenarios/README.md')];

describe('the YAML examples of the READMEs', { timeout: 180_000 }, () => {
  it('there are examples to check', () => assert.ok(blocks.length >= 10, `found ${blocks.length}`));
  for (const block of blocks) {
    const where = `${block.file}:${block.line}`;
    if (/^#\s*planned\b/.test(block.text)) continue;
    if (/^kind: Scenario$/m.test(block.text)) {
      it(`${where}: the scenario loads and every expectation holds`, () => {
        // Padded so that positions in messages are the README's own lines; paths are relative to scenarios/.
        const text = '\n'.repeat(block.line - 1) + block.text;
        let spec;
        try {
          spec = loadScenarioText(text, 'scenarios/README.md');
        } catch (err) {
          assert.fail(`${where}: the example does not load:\n${problems(err)}`);
        }
        const { result } = runScenario(spec);
        const failed = result.expectations.filter((x) => !x.ok).map((x) => `${x.name}: ${x.detail} (README line ${x.source.line})`);
        assert.deepEqual(failed, [], `${where}: expectations failed`);
        assert.deepEqual(result.violations, []);
        assert.equal(result.ok, true, result.stopReason ?? '');
      });
    } else {
      it(`${where}: the fragment loads in a scenario`, () => {
        const embedded = embed(parse(block.text));
        if ('error' in embedded) assert.fail(`${where}: cannot place this block (${embedded.error}); start it with "# planned" if it shows what is not built`);
        try {
          loadScenarioText(embedded.text, 'scenarios/readme-fragment.yaml');
        } catch (err) {
          assert.fail(`${where}: the fragment does not load:\n${problems(err)}\n--- as embedded:\n${embedded.text}`);
        }
      });
    }
  }
});
