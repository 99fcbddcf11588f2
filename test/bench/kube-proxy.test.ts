/**
 * bench/kube-proxy.bench.ts in its quick form: one JSON object with the fields bench/README.md
 * documents, and the growth seed 004 describes — iptables matches rules linearly in the number of
 * Services, ipvs does one lookup. (Rule counts are seeded, so they are exact; timings are only printed.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';

it('iptables walks more rules as Services grow; ipvs looks one up', { timeout: 120_000 }, () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/kube-proxy.bench.ts', '--quick'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { results: { services: number; rulesPerConn: { iptables: number; ipvs: number }; programMs: object; routeNsPerConn: object }[] };
  assert.deepEqual(out.results.map((x) => x.services), [10, 100, 1000]);
  const rules = out.results.map((x) => x.rulesPerConn.iptables);
  // A random Service sits half-way down KUBE-SERVICES on average, then 1–10 endpoint rules.
  assert.ok(rules[0]! < 20 && rules[1]! > 40 && rules[1]! < 70 && rules[2]! > 450 && rules[2]! < 560, `rules ${rules.join(', ')}`);
  assert.ok(out.results.every((x) => x.rulesPerConn.ipvs === 1 && 'iptables' in x.programMs && 'baseline' in x.routeNsPerConn));
});
