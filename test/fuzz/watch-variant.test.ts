/**
 * Issue 11's acceptance for the watch property: the fuzzer finds a deliberately broken etcd whose
 * watches ignore the client's start revision (a resumed or list-then-watch stream silently misses
 * what was written in between: the `reliable` guarantee), shrinks it to a schedule no longer than
 * the first failing one, and real etcd passes that very schedule.
 *
 * Budget: on the default cluster the apiservers' list-then-watch of every resource already shows
 * it (seed 1: the first run, about a second).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCluster } from '../../cli/fuzz/cluster.ts';
import { fuzz, judgeSpec } from '../../cli/fuzz/engine.ts';
import { PROPERTIES } from '../../cli/fuzz/properties.ts';

const watch = PROPERTIES.find((p) => p.name === 'watch')!;

describe('watch catches an etcd that ignores a watch start revision', () => {
  it('found within 10 runs, shrunk to no more commands, and real etcd passes the shrunk schedule', { timeout: 300_000 }, () => {
    const report = fuzz({ cluster: defaultCluster(), properties: [watch], runs: 10, seed: 1, shrinkRuns: 10, variants: { etcdWatch: { ignoreStartRevision: true } } });
    const cx = report.counterexample;
    assert.ok(cx, `no violation in 10 runs: ${JSON.stringify(report.properties)}`);
    assert.equal(cx.property, 'watch');
    assert.match(cx.detail, / reliable: /, cx.detail);
    assert.ok(cx.schedule.commands.length <= cx.originalCommands, `shrunk to ${cx.schedule.commands.length} commands from ${cx.originalCommands}`);
    const real = judgeSpec(cx.spec, [watch]).verdicts.get('watch')!;
    assert.equal(real.status, 'pass', real.detail);
  });
});
