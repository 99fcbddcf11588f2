import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTimestamp, timestamp } from '../../actors/api/time.ts';

test('timestamp formats each virtual second, also when asked again within it or going back', () => {
  assert.equal(timestamp(0), '2025-01-01T00:00:00Z');
  assert.equal(timestamp(999), '2025-01-01T00:00:00Z');
  assert.equal(timestamp(1000), '2025-01-01T00:00:01Z');
  assert.equal(timestamp(1500.5), '2025-01-01T00:00:01Z');
  assert.equal(timestamp(86_400_000 + 3_661_000), '2025-01-02T01:01:01Z');
  assert.equal(timestamp(500), '2025-01-01T00:00:00Z', 'an earlier second after a later one');
  assert.equal(timestamp(-1), '2024-12-31T23:59:59Z');
  assert.equal(timestamp(59 * 86_400_000), '2025-03-01T00:00:00Z');
  for (let ms = 0; ms < 5_000_000; ms += 777) assert.equal(parseTimestamp(timestamp(ms)), Math.floor(ms / 1000) * 1000, `at ${ms} ms`);
});
