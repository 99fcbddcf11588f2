/**
 * A property registry for test/fuzz/distribution.test.ts: the real properties and a planted one
 * that fails on purpose (a worker thread looks properties up by name in a module like this one,
 * see cli/fuzz/worker.ts). `planted` claims that /fuzz/a is never written: any schedule whose put
 * to /fuzz/a commits fails it, so some runs fail and others pass, deterministically per seed.
 */
import { healAtMs } from '../../cli/fuzz/cluster.ts';
import { judgeExpectations, PROPERTIES as REAL, type FuzzProperty } from '../../cli/fuzz/properties.ts';
import { GENERATED } from '../../cli/fuzz/schedule.ts';

export const planted: FuzzProperty = {
  name: 'planted',
  description: 'wrong on purpose: /fuzz/a is never written',
  expectations: (c) => [{ name: 'planted: /fuzz/a is never written', when: { mode: 'within', afterMs: healAtMs(c), limitMs: c.settleMs }, etcd: { value: { key: '/fuzz/a', absent: true } }, source: GENERATED }],
  judge: (run) => judgeExpectations('planted', run),
};

export const PROPERTIES: readonly FuzzProperty[] = [...REAL, planted];
