/**
 * actors/api/quantity.ts against apimachinery's resource.ParseQuantity and Quantity.String():
 * the strings it accepts and the three errors it gives, the BinarySI cap, the canonical form, and
 * the saturated integer values components compute with. Then decodeQuantities, which applies
 * them to every quantity field of an object.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import {
  canonicalQuantity,
  formatBytes,
  formatMilli,
  parseQty,
  QUANTITY_FORMAT_ERROR,
  QuantityError,
  QUANTITY_NUMERIC_ERROR,
  QUANTITY_SUFFIX_ERROR,
  toMilli,
  toUnits,
} from '../../actors/api/quantity.ts';
import { decodeError, decodeQuantities } from '../../actors/api/validation.ts';

function errorOf(text: string): string {
  try {
    parseQty(text);
    return 'accepted';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('ParseQuantity', { timeout: 10_000 }, () => {
  it('gives the format error, the suffix error and the numeric error where Go does', { timeout: 5_000 }, () => {
    for (const bad of ['lots', '', '1 GB', '1Gb', '1.5.5', '1e', 'x1', '1e3x']) {
      assert.equal(errorOf(bad), bad === '1e' ? QUANTITY_SUFFIX_ERROR : QUANTITY_FORMAT_ERROR, bad);
    }
    for (const bad of ['1K', '1ki', '1Mi3', '1m3', '1i', '1e99999999999999999999']) assert.equal(errorOf(bad), QUANTITY_SUFFIX_ERROR, bad);
    assert.equal(errorOf('.'), QUANTITY_NUMERIC_ERROR);
    for (const ok of ['1', '0', '00', '-1', '+1', '1.', '.5', '1e3', '1E3', '1e+3', '1e-3', '500m', '8Gi', '100M', ' 2 ', '-', '+']) assert.equal(errorOf(ok), 'accepted', ok);
  });

  it('keeps each quantity’s format and prints it as Quantity.String()', { timeout: 5_000 }, () => {
    const table: [string, string][] = [
      ['2000m', '2'],
      ['0.5', '500m'],
      ['1000', '1k'],
      ['1.5Gi', '1536Mi'],
      ['0.5Ki', '512'],
      ['1e3', '1e3'],
      ['1e4', '10e3'],
      ['1n', '1m'],
      ['-', '0'],
      ['100000E', '100'],
    ];
    for (const [input, printed] of table) assert.equal(canonicalQuantity(input), printed, input);
  });

  it('caps BinarySI at 2^63-1, keeps decimal quantities, and saturates the integer values', { timeout: 5_000 }, () => {
    assert.equal(canonicalQuantity('100000Ei'), '9223372036854775807');
    assert.equal(canonicalQuantity('-100000Ei'), '-9223372036854775807');
    assert.equal(canonicalQuantity('1e400'), '10e399');
    assert.equal(toMilli('1e400'), Number.MAX_SAFE_INTEGER);
    assert.equal(toUnits('100000Ei'), Number.MAX_SAFE_INTEGER);
    assert.equal(toMilli('-1e400'), -Number.MAX_SAFE_INTEGER);
    assert.ok(Number.isFinite(toMilli('1e999999999')), 'an exponent far beyond what is kept exactly is still finite');
    assert.equal(toMilli('1e-999999999'), 1, 'rounds up to the smallest unit');
  });

  it('formats milli-CPU and bytes like resource.NewMilliQuantity / NewQuantity', { timeout: 5_000 }, () => {
    assert.deepEqual([500, 2000, 1_000_000].map(formatMilli), ['500m', '2', '1k']);
    assert.deepEqual([8 * 2 ** 30, 1536 * 1024, 500, 0].map(formatBytes), ['8Gi', '1536Ki', '500', '0']);
  });
});

describe('decodeQuantities', { timeout: 10_000 }, () => {
  it('canonicalizes every quantity field of a pod template, JSON numbers and null included', { timeout: 5_000 }, () => {
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      spec: {
        template: {
          spec: {
            containers: [{ name: 'a', resources: { requests: { cpu: 0.25, memory: null }, limits: { memory: '2048Mi' } } }],
            volumes: [{ name: 'v', emptyDir: { sizeLimit: '1000Mi' } }],
          },
        },
      },
    };
    const r = decodeQuantities(deployment);
    assert.equal(r.error, undefined);
    const spec = ((r.object!.spec as Record<string, unknown>).template as { spec: Record<string, unknown> }).spec;
    assert.deepEqual((spec.containers as { resources: unknown }[])[0]!.resources, { requests: { cpu: '250m', memory: '0' }, limits: { memory: '2Gi' } });
    assert.deepEqual((spec.volumes as { emptyDir: unknown }[])[0]!.emptyDir, { sizeLimit: '1000Mi' });
    assert.equal(((deployment.spec as { template: { spec: { containers: { resources: { requests: { cpu: unknown } } }[] } } }).template.spec.containers[0]!.resources.requests.cpu), 0.25, 'the input is not changed');
  });

  it('reports a node’s unparseable allocatable with the decoder’s text', { timeout: 5_000 }, () => {
    const node: KubeObject = { apiVersion: 'v1', kind: 'Node', status: { allocatable: { cpu: 'lots' } } };
    assert.equal(decodeError(node), `Node in version "v1" cannot be handled as a Node: ${QUANTITY_FORMAT_ERROR}`);
    assert.equal(decodeError({ ...node, status: { capacity: { cpu: true } } }), `Node in version "v1" cannot be handled as a Node: ${QUANTITY_FORMAT_ERROR}`);
  });
});

describe('the parse memo', () => {
  it('gives the same values for a text parsed once, twice, and after the memo was emptied', { timeout: 10_000 }, () => {
    const texts = ['100m', '64Mi', '1e3', '0.5Ki', '1.5', '-2Gi'];
    const first = texts.map((t) => [toMilli(t), toUnits(t), parseQty(t).milli, parseQty(t).format]);
    // More distinct texts than the memo holds, so it is emptied at least once.
    for (let i = 0; i < 10_000; i++) assert.equal(toMilli(`${i}m`), i);
    assert.deepEqual(texts.map((t) => [toMilli(t), toUnits(t), parseQty(t).milli, parseQty(t).format]), first);
    assert.deepEqual(first[1], [67_108_864_000, 67_108_864, 67_108_864_000n, 'BinarySI']);
    assert.equal(toMilli(2), 2000, 'a number is the same quantity as its text');
    assert.ok(Object.isFrozen(parseQty('64Mi')), 'a memoized Qty is shared, so it cannot be changed');
  });

  it('throws every time for a text it refuses (errors are not memoized)', { timeout: 5_000 }, () => {
    assert.throws(() => parseQty('lots'), QuantityError);
    assert.throws(() => parseQty('lots'), QuantityError);
    assert.throws(() => toMilli('lots'), QuantityError);
  });
});
