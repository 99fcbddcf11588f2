/**
 * A `kubesim fuzz --workers N` worker thread: runs one shard of the search (engine.ts) and posts
 * its progress and its report. The shards share a cutoff in a SharedArrayBuffer: the smallest
 * failing run index found by any of them, past which a shard skips its runs (the merge would drop
 * them). Properties are looked up by name in a registry module (properties.ts by default; tests
 * give one with a planted property), since functions cannot be posted to a thread.
 */
import { parentPort } from 'node:worker_threads';
import { clusterFromFile, defaultCluster } from './cluster.ts';
import { fuzz, type FuzzReport, type Shard } from './engine.ts';
import type { FuzzProperty } from './properties.ts';

export interface WorkerJob {
  clusterFile: string | undefined;
  /** A module URL exporting PROPERTIES. */
  propertiesModule: string;
  propertyNames: string[];
  runs: number;
  seed: number;
  shard: Shard;
  shrinkRuns: number;
  /** One Int32: the smallest failing run index so far (runs when none). */
  cutoff: SharedArrayBuffer;
}

export type WorkerMessage = { type: 'progress' } | { type: 'done'; report: FuzzReport } | { type: 'error'; message: string };

const port = parentPort;
if (!port) throw new Error('cli/fuzz/worker.ts runs as a worker thread (see cli/fuzz/command.ts)');
port.once('message', (job: WorkerJob) => {
  void (async () => {
    try {
      const registry = (await import(job.propertiesModule)) as { PROPERTIES: readonly FuzzProperty[] };
      const properties = job.propertyNames.map((n) => {
        const p = registry.PROPERTIES.find((x) => x.name === n);
        if (!p) throw new Error(`no property ${n} in ${job.propertiesModule}`);
        return p;
      });
      const shared = new Int32Array(job.cutoff);
      const report = fuzz({
        cluster: job.clusterFile !== undefined ? clusterFromFile(job.clusterFile) : defaultCluster(),
        properties,
        runs: job.runs,
        seed: job.seed,
        shard: job.shard,
        shrinkRuns: job.shrinkRuns,
        onRun: () => port.postMessage({ type: 'progress' } satisfies WorkerMessage),
        cutoff: {
          get: () => Atomics.load(shared, 0),
          offer: (index) => {
            for (let seen = Atomics.load(shared, 0); index < seen; seen = Atomics.load(shared, 0)) {
              if (Atomics.compareExchange(shared, 0, seen, index) === seen) break;
            }
          },
        },
      });
      port.postMessage({ type: 'done', report } satisfies WorkerMessage);
    } catch (err) {
      const e = err as Error;
      port.postMessage({ type: 'error', message: `${e.name}: ${e.message}` } satisfies WorkerMessage);
    }
  })();
});
