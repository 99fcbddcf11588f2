/** actors/api/duration.ts against Go's time.ParseDuration and Duration.String(). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, goDuration, parseGoDuration } from '../../actors/api/duration.ts';

describe('Go durations', { timeout: 10_000 }, () => {
  it('parses time.ParseDuration’s grammar exactly, with its error texts', { timeout: 5_000 }, () => {
    const ns = (text: string): bigint | string => {
      const r = parseGoDuration(text);
      return r.ok ? r.ns : r.error;
    };
    assert.equal(ns('1h2m3.5s'), 3_723_500_000_000n);
    assert.equal(ns('-1.5ms'), -1_500_000n);
    assert.equal(ns('+.5s'), 500_000_000n);
    assert.equal(ns('0'), 0n);
    assert.equal(ns('1000us'), 1_000_000n);
    assert.equal(ns('5'), 'time: missing unit in duration "5"');
    assert.equal(ns('5sec'), 'time: unknown unit "sec" in duration "5sec"');
    assert.equal(ns(''), 'time: invalid duration ""');
    assert.equal(ns('.s'), 'time: invalid duration ".s"');
    assert.equal(parseGoDuration('1.0000000001s').ok && (parseGoDuration('1.0000000001s') as { exact: boolean }).exact, false);
  });

  it('prints Duration.String() and the short form that parses back', { timeout: 5_000 }, () => {
    const values = [0, 200, 1400, 60_000, 90_000, 7_200_000, 3_723_500];
    assert.deepEqual(values.map(goDuration), ['0s', '200ms', '1.4s', '1m0s', '1m30s', '2h0m0s', '1h2m3.5s']);
    assert.deepEqual(values.map(formatDuration), ['0s', '200ms', '1.4s', '1m', '1m30s', '2h', '1h2m3.5s']);
    for (const v of values) assert.equal(parseGoDuration(formatDuration(v)).ok && (parseGoDuration(formatDuration(v)) as { ns: bigint }).ns, BigInt(v) * 1_000_000n);
  });
});
