import { test } from 'node:test';
import assert from 'node:assert/strict';
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
