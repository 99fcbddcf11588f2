// Entry point of a `kubesim fuzz --workers N` worker thread. Node 20 does not run a worker's .ts
// entry through tsx (neither --import nor register() reach it), so this plain module registers
// tsx in the worker and then loads the TypeScript worker (as cli/seed-worker.mjs does).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
