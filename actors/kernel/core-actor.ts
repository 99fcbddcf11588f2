import { createActor, enqueueActions, setup } from 'xstate';
import type { Output } from './output.ts';
import type { HostEnv, KernelEmitted } from './simulation.ts';

/**
 * The one core contract and the one adapter that makes any core an XState actor.
 *
 * A component core is deterministic and I/O-free: `step(state, input, nowMs)` consumes one input
 * (a network message or one of its own timers) and returns an `Output` — traces, sends, timer
 * cancellations and timers, as data. Its lifecycle (`phase`) is read from its state after every
 * step; the machine's states are those phases, so a snapshot shows where the component is
 * (an etcd member's Raft role, a leader-elected component's standby/leading, an apiserver's
 * starting/syncing/ready, a kubelet's registering/ready).
 *
 * Nothing component-specific lives in the machine: cores never see XState, and machines never
 * hold logic. Timers are XState delayed events with the core's explicit ids, scheduled on the
 * host's clock (so a crash cancels them all).
 */
export interface ComponentCore<State, Input extends { type: string }, Phase extends string = string> {
  /** Machine id, e.g. `kube-scheduler`. */
  readonly id: string;
  /** Every phase the component can be in; the first is the phase before the first step. */
  readonly phases: readonly [Phase, ...Phase[]];
  /** Raised once at start-up (delay 0, explicit id), when the component has something to do at boot. */
  readonly boot?: { event: Input; id: string };
  phase(state: State): Phase;
  step(state: State, input: Input, nowMs: number): Output;
}

/** Raised by the adapter when a step moved the core to another phase. */
const PHASE_CHANGED = 'kubesim.phaseChanged';

interface CoreContext<State> {
  state: State;
  now: () => number;
}

type AnyInput = { type: string };

/** Builds the machine of a core; one per core, reused by every host that runs it. */
export function coreMachine<State, Input extends AnyInput, Phase extends string>(core: ComponentCore<State, Input, Phase>) {
  const isInput = (event: AnyInput): event is Input => event.type !== PHASE_CHANGED;
  const follow = core.phases.map((phase) => ({
    guard: ({ context }: { context: CoreContext<State> }) => core.phase(context.state) === phase,
    target: `.${phase}`,
  }));
  const states: Record<string, object> = {};
  for (const phase of core.phases) states[phase] = {};
  const boot = core.boot;
  return setup({
    types: { context: {} as CoreContext<State>, events: {} as AnyInput, input: {} as CoreContext<State>, emitted: {} as KernelEmitted },
    actions: {
      step: enqueueActions(({ context, event, enqueue }) => {
        if (!isInput(event)) return;
        const s = context.state;
        const before = core.phase(s);
        const out = core.step(s, event, context.now());
        // One emit for the whole step (traces, then sends): XState's cost is per action, not per message.
        if (out.traces.length > 0 || out.sends.length > 0) enqueue.emit({ type: 'output', out });
        for (const id of out.cancels) enqueue.cancel(id);
        for (const t of out.timers) enqueue.raise(t.event, { delay: t.delayMs, id: t.id });
        if (core.phase(s) !== before) enqueue.raise({ type: PHASE_CHANGED });
      }),
    },
  }).createMachine({
    id: core.id,
    context: ({ input }) => input,
    initial: core.phases[0],
    ...(boot ? { entry: enqueueActions(({ enqueue }) => enqueue.raise(boot.event, { delay: 0, id: boot.id })) } : {}),
    on: { [PHASE_CHANGED]: follow, '*': { actions: 'step' } },
    states,
  });
}

/** Creates (not starts) a host's root actor running `core` from `state`. */
export function startCore<State, Input extends AnyInput, Phase extends string>(
  machine: ReturnType<typeof coreMachine<State, Input, Phase>>,
  env: Pick<HostEnv<unknown>, 'clock' | 'now'>,
  state: State,
) {
  return createActor(machine, { clock: env.clock, input: { state, now: env.now } });
}

/** The core state inside a running actor, for observation only (expectations, tables, tests). */
export function coreStateOf<State>(actor: { getSnapshot(): { context: unknown } } | null): State | null {
  if (!actor) return null;
  return (actor.getSnapshot().context as CoreContext<State>).state;
}

/** Which core a running actor runs and the phase its machine is in (`--show components`). */
export function describeActor(actor: { getSnapshot(): { value: unknown; machine?: { id: string } } } | null): { component: string; phase: string } | null {
  if (!actor) return null;
  const snapshot = actor.getSnapshot();
  const value = snapshot.value;
  return { component: snapshot.machine?.id ?? '?', phase: typeof value === 'string' ? value : JSON.stringify(value) };
}
