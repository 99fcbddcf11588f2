import { createActor, type ActorLogic, type ActorSystem } from 'xstate';
import type { Output } from './output.ts';
import type { HostEnv, KernelEmitted } from './simulation.ts';

/**
 * The one core contract and the one adapter that makes any core an XState actor.
 *
 * A component core is deterministic and I/O-free: `step(state, input, nowMs)` consumes one input
 * (a network message or one of its own timers) and returns an `Output` — traces, sends, timer
 * cancellations and timers, as data. Its lifecycle (`phase`) is read from its state after every
 * step and is the actor snapshot's `value`, so a snapshot shows where the component is
 * (an etcd member's Raft role, a leader-elected component's standby/leading, an apiserver's
 * starting/syncing/ready, a kubelet's registering/ready).
 *
 * Nothing component-specific lives in the adapter: cores never see XState, and the actor logic
 * holds no component logic. Timers are XState delayed events with the core's explicit ids,
 * scheduled on the host's clock (so a crash cancels them all).
 */
export interface ComponentCore<State, Input extends { type: string }, Phase extends string = string> {
  /** Component id, e.g. `kube-scheduler`. */
  readonly id: string;
  /** Every phase the component can be in; the first is the phase before the first step. */
  readonly phases: readonly [Phase, ...Phase[]];
  /** Raised once at start-up (delay 0, explicit id), when the component has something to do at boot. */
  readonly boot?: { event: Input; id: string };
  phase(state: State): Phase;
  step(state: State, input: Input, nowMs: number): Output;
}

interface CoreContext<State> {
  state: State;
  now: () => number;
}

/** The context inside the actor: the core's, plus what its steps' deferred effects carry out (per actor, found without a lookup). */
interface ActorContext<State> extends CoreContext<State> {
  readonly effects: Effects;
}

type AnyInput = { type: string };

/**
 * The snapshot of a core's actor: `value` is the phase (as a machine's state value would be),
 * `context.state` the core's state, `component` the core's id. The core state is mutated in
 * place by `step`, as before; a new snapshot object is made only when the phase changes.
 */
export interface CoreSnapshot<State, Phase extends string = string> {
  status: 'active' | 'stopped';
  output: undefined;
  error: undefined;
  value: Phase;
  context: ActorContext<State>;
  component: string;
}

/** What one actor keeps besides its snapshot: the step output its deferred effects carry out. */
interface Effects {
  out: Output | null;
  run: () => void;
}

/** XState's own stop event: the actor is being stopped (a crash); the core never sees it. */
const XSTATE_STOP = 'xstate.stop';

/**
 * Builds the actor logic of a core; one per core, reused by every host that runs it.
 *
 * It is XState v5 actor logic (`ActorLogic`: transition, initial snapshot, start), run by XState's
 * `createActor` — mailbox, observers, `emit`, and timers through the actor system's scheduler on
 * the host's clock — but not a state machine: a statechart interpreter cost about 2 µs per event
 * (macrostep, microstep, action resolution, a new snapshot per event) for a machine whose only
 * job was one wildcard transition running `step`. The effects are the machine's, in its order:
 * after the snapshot is set (XState's deferred effects), one `output` emit (traces, then sends),
 * then the cancels, then the timers as delayed self-events with the core's ids; the phase is the
 * snapshot's `value` (first phase until a step changes it, as the machine's state followed it).
 */
export function coreMachine<State, Input extends AnyInput, Phase extends string>(core: ComponentCore<State, Input, Phase>) {
  const boot = core.boot;
  const logic: ActorLogic<CoreSnapshot<State, Phase>, Input, CoreContext<State>, ActorSystem<any>, KernelEmitted> = {
    config: core,
    getInitialSnapshot(scope, input) {
      const effects: Effects = {
        out: null,
        // Runs as XState's deferred effect of a step, after the new snapshot is in place.
        run: () => {
          const out = effects.out!;
          effects.out = null;
          if (out.traces.length > 0 || out.sends.length > 0) scope.emit({ type: 'output', out });
          const scheduler = scope.system.scheduler;
          const self = scope.self;
          for (const id of out.cancels) scheduler.cancel(self, id);
          for (const t of out.timers) scheduler.schedule(self, self, t.event, t.delayMs, t.id);
        },
      };
      const context: ActorContext<State> = { state: input.state, now: input.now, effects };
      return { status: 'active', output: undefined, error: undefined, value: core.phases[0], context, component: core.id };
    },
    start(_snapshot, scope) {
      if (boot) scope.system.scheduler.schedule(scope.self, scope.self, boot.event, 0, boot.id);
    },
    transition(snapshot, event, scope) {
      if (event.type === XSTATE_STOP) return { ...snapshot, status: 'stopped' };
      const context = snapshot.context;
      const s = context.state;
      const before = core.phase(s);
      const out = core.step(s, event, context.now());
      const effects = context.effects;
      if (out.traces.length > 0 || out.sends.length > 0 || out.cancels.length > 0 || out.timers.length > 0) {
        effects.out = out;
        scope.defer(effects.run);
      }
      const after = core.phase(s);
      return after === before ? snapshot : { ...snapshot, value: after };
    },
    getPersistedSnapshot: (snapshot) => snapshot,
  };
  return logic;
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

/** Which core a running actor runs and its phase (`--show components`). */
export function describeActor(actor: { getSnapshot(): { value?: unknown; component?: string } } | null): { component: string; phase: string } | null {
  if (!actor) return null;
  const snapshot = actor.getSnapshot();
  const value = snapshot.value;
  return { component: snapshot.component ?? '?', phase: typeof value === 'string' ? value : JSON.stringify(value) };
}
