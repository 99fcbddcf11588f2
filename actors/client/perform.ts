import type { KernelEmitted } from '../kernel/simulation.ts';
import type { Output } from './output.ts';

/** The part of XState's `enqueueActions` helper a component needs to act on an Output. */
export interface Enqueue {
  emit: (e: KernelEmitted) => void;
  raise: (e: { type: string }, options: { delay: number; id: string }) => void;
  cancel: (id: string) => void;
}

/** Hands a core's output to the kernel: emitted messages and trace lines, raised and cancelled timers. */
export function performOutput(enqueue: Enqueue, out: Output): void {
  for (const t of out.traces) enqueue.emit({ type: 'trace', kind: t.kind, fields: t.fields });
  for (const s of out.sends) enqueue.emit({ type: 'send', to: s.to, msg: s.msg });
  for (const id of out.cancels) enqueue.cancel(id);
  for (const t of out.timers) enqueue.raise(t.event, { delay: t.delayMs, id: t.id });
}
