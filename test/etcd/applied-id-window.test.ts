import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AppliedIdWindow } from '../../actors/etcd/applied-id-window.ts';

test('the applied-id window forgets exactly the ids applied before the given index, oldest first', () => {
  const w = new AppliedIdWindow();
  for (let i = 1; i <= 10; i++) w.add(`id-${i}`, i * 2);
  w.forgetBefore(7);
  assert.equal(w.get('id-3'), undefined);
  assert.equal(w.get('id-4'), 8);
  assert.equal(w.size, 7);
  assert.deepEqual(w.entries(), { ids: ['id-4', 'id-5', 'id-6', 'id-7', 'id-8', 'id-9', 'id-10'], indexes: [8, 10, 12, 14, 16, 18, 20] });
  w.forgetBefore(7);
  assert.equal(w.size, 7, 'forgetting again forgets nothing more');
});

test('the applied-id window agrees with a plain map over a long sliding run (the queue is compacted on the way)', () => {
  const w = new AppliedIdWindow();
  const reference = new Map<string, number>();
  const windowEntries = 50;
  for (let index = 1; index <= 5000; index++) {
    w.forgetBefore(index - windowEntries);
    for (const [id, at] of reference) if (at < index - windowEntries) reference.delete(id);
    // Some entries carry no id (empty entries, duplicates): not every index adds one.
    if (index % 3 !== 0) {
      w.add(`e${index}`, index);
      reference.set(`e${index}`, index);
    }
    assert.equal(w.size, reference.size, `size at ${index}`);
  }
  assert.deepEqual(w.entries(), { ids: [...reference.keys()], indexes: [...reference.values()] });
  const restored = AppliedIdWindow.of(w.entries().ids, w.entries().indexes);
  assert.deepEqual(restored.entries(), w.entries());
  assert.equal(restored.get('e4999'), 4999);
});

test('the applied-id window agrees with a plain map over random adds, re-adds and forgets (its ring grows and wraps)', () => {
  type Step = { kind: 'add'; id: number; gap: number } | { kind: 'forget'; behind: number };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 12, arbitrary: fc.record({ kind: fc.constant('add' as const), id: fc.integer({ min: 0, max: 2000 }), gap: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('forget' as const), behind: fc.integer({ min: -1, max: 1200 }) }) },
  );
  fc.assert(
    fc.property(fc.array(step, { minLength: 300, maxLength: 1500, size: 'max' }), (steps) => {
      const w = new AppliedIdWindow();
      const model = new Map<string, number>();
      let index = 0;
      let oldest = 0;
      for (const s of steps) {
        if (s.kind === 'add') {
          index += s.gap;
          w.add(`id-${s.id}`, index);
          model.set(`id-${s.id}`, index);
        } else {
          // The window is forgotten up to a point that only moves forward (the applied index minus its size).
          oldest = Math.max(oldest, index - s.behind);
          w.forgetBefore(oldest);
          for (const [id, at] of model) if (at < oldest) model.delete(id);
        }
        if (w.size !== model.size) assert.fail(`size ${w.size}, model ${model.size}`);
      }
      const expected = [...model].sort((a, b) => a[1] - b[1]);
      assert.deepEqual(w.entries(), { ids: expected.map(([id]) => id), indexes: expected.map(([, at]) => at) }, 'entries, oldest first');
      for (const [id, at] of model) if (w.get(id) !== at) assert.fail(`get(${id}) = ${w.get(id)}, model ${at}`);
      assert.equal(w.get('id-2001'), undefined);
      const { ids, indexes } = w.entries();
      assert.ok(w.holdsExactly(ids, indexes) && AppliedIdWindow.of(ids, indexes).holdsExactly(ids, indexes), 'holds its own entries, and so does its copy');
    }),
    { numRuns: 300 },
  );
});
