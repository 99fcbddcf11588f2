import type { Message } from '../kernel/network.ts';

/**
 * What a component core asks its machine to do, as data: messages to send, delayed events to
 * raise (with explicit ids, so XState never draws one from Math.random), timers to cancel, and
 * trace lines. Cores append to one Output; the machine emits or raises each item.
 */
export interface TimerRequest {
  id: string;
  delayMs: number;
  event: { type: string; [field: string]: unknown };
}

export interface Output {
  sends: { to: string; msg: Message }[];
  timers: TimerRequest[];
  cancels: string[];
  traces: { kind: string; fields: Record<string, unknown> }[];
}

export function newOutput(): Output {
  return { sends: [], timers: [], cancels: [], traces: [] };
}
