/** A `kubesim run --seeds` worker: runs the seeds it is sent, one at a time, and posts each result. */
import { parentPort } from 'node:worker_threads';
import { runSeed, type SeedJob } from './seeds.ts';

const port = parentPort;
if (!port) throw new Error('seed-worker.ts runs as a worker thread (see cli/seeds.ts)');
port.on('message', (job: SeedJob & { index: number }) => {
  port.postMessage({ index: job.index, result: runSeed(job.file, job.seed, job.reportDir) });
});
