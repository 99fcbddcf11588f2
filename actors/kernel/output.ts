import type { Message } from './network.ts';

/**
 * What a component core asks the kernel to do after one step, as data (etcd-io/raft's `Ready`
 * idea): trace lines, messages to send, timers to cancel and timers to arm. Every component core
 * returns this one type from `step`; the one adapter (core-actor.ts) carries it out in that
 * order, so a timer id cancelled and re-armed in the same step ends armed.
 */
export interface TimerRequest {
  /** Explicit and unique per host, so XState never draws a random id of its own. */
  id: string;
  delayMs: number;
  event: { type: string; [field: string]: unknown };
}

export interface TraceLine {
  kind: string;
  fields: Record<string, unknown>;
}

export interface Send {
  to: string;
  msg: Message;
  /** Sent as a datagram, lost or duplicated as the network draws it; otherwise over TCP (see Message). */
  datagram?: boolean;
}

export interface Output {
  sends: Send[];
  timers: TimerRequest[];
  cancels: string[];
  traces: TraceLine[];
}

export function newOutput(): Output {
  return { sends: [], timers: [], cancels: [], traces: [] };
}

/** Appends `from` to `into` (an embedded core's output joins its host's). */
export function appendOutput(into: Output, from: Output): void {
  for (const t of from.traces) into.traces.push(t);
  for (const s of from.sends) into.sends.push(s);
  for (const id of from.cancels) into.cancels.push(id);
  for (const t of from.timers) into.timers.push(t);
}
