/**
 * The CLI's V8 heap growth (cli/heap-growth.ts): 2× by default, KUBESIM_HEAP_GROWING_PERCENT
 * overrides it (0 hands the choice back to V8), and a node started with its own flag is left alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEAP_GROWING_PERCENT, heapGrowingPercent } from '../../cli/heap-growth.ts';

describe('heap growth', () => {
  it('is 2× unless told otherwise', () => {
    assert.equal(HEAP_GROWING_PERCENT, 100);
    assert.equal(heapGrowingPercent({}, []), 100);
    assert.equal(heapGrowingPercent({}, ['--max-old-space-size=8192', '--import', 'tsx']), 100);
  });

  it('takes KUBESIM_HEAP_GROWING_PERCENT when it is a whole number, 0 included', () => {
    assert.equal(heapGrowingPercent({ KUBESIM_HEAP_GROWING_PERCENT: '0' }, []), 0);
    assert.equal(heapGrowingPercent({ KUBESIM_HEAP_GROWING_PERCENT: ' 250 ' }, []), 250);
    for (const bad of ['', 'fast', '-5', '1.5', '2x']) assert.equal(heapGrowingPercent({ KUBESIM_HEAP_GROWING_PERCENT: bad }, []), 100, bad);
  });

  it("leaves node's own flag alone, spelled either way", () => {
    for (const flag of ['--heap-growing-percent=0', '--heap_growing_percent=300', '--heap-growing-percent']) {
      assert.equal(heapGrowingPercent({ KUBESIM_HEAP_GROWING_PERCENT: '50' }, ['--import', 'tsx', flag]), undefined, flag);
    }
  });
});
