/** `that.object` field paths: names separated by `.`, each maybe followed by list indexes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { valueAtFieldPath as fieldAt } from '../../actors/api/fields.ts';

describe('object expectation field paths', { timeout: 5_000 }, () => {
  const obj = { status: { conditions: [{ type: 'Available' }, { type: 'Progressing', reason: 'NewReplicaSetAvailable' }] }, m: [[1, 2], [3]] };
  it('reads names, list indexes and nested indexes; a missing step is undefined', { timeout: 5_000 }, () => {
    assert.equal(fieldAt(obj, 'status.conditions[1].reason'), 'NewReplicaSetAvailable');
    assert.equal(fieldAt(obj, 'm[1][0]'), 3);
    assert.equal(fieldAt(obj, 'status.conditions[2].reason'), undefined);
    assert.equal(fieldAt(obj, 'status[0]'), undefined);
    assert.equal(fieldAt(obj, 'status.conditions.0.type'), 'Available');
  });
});
