/**
 * Every shipped scenario's fingerprint on its own seed equals the one pinned in fingerprints.json
 * for this Node major: an unintended change in behaviour fails here, and an intended one shows in
 * review as a changed line (re-pin with `npm run fingerprints:pin`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fingerprintOf, nodeMajor, readPinned, shippedScenarios } from './pinned-fingerprints.ts';

describe('pinned fingerprints', { timeout: 600_000 }, () => {
  const pinned = readPinned()[nodeMajor()];
  it('covers every shipped scenario', { skip: pinned ? false : `no fingerprints pinned for ${nodeMajor()}: run npm run fingerprints:pin` }, () => {
    assert.deepEqual(Object.keys(pinned!).sort(), shippedScenarios());
  });
  for (const file of shippedScenarios()) {
    it(`${file} matches its pinned fingerprint`, { skip: pinned ? false : `no fingerprints pinned for ${nodeMajor()}` }, () => {
      assert.equal(fingerprintOf(file), pinned![file], `${file}: the trace changed; if intended, run npm run fingerprints:pin and commit fingerprints.json`);
    });
  }
});
