import { isStatus } from '../api/errors.ts';
import { microTimestamp } from '../api/time.ts';
import type { KubeObject } from '../api/protocol.ts';
import { request, type ApiClientState, type ApiResult } from './api-client.ts';
import type { Output } from '../kernel/output.ts';

/**
 * client-go's leader election on a coordination.k8s.io/v1 Lease: every retry period, get the
 * lease; take it if it is free or expired (holder silent for a lease duration, measured by this
 * candidate's own observation, not by the holder's clock); as leader, renew it; a leader that has
 * not renewed within the renew deadline gives up leadership. Defaults as kube-scheduler and
 * kube-controller-manager: lease 15 s, renew deadline 10 s, retry 2 s.
 */

export interface LeaderElectionConfig {
  identity: string;
  namespace: string;
  leaseName: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const DEFAULT_LEADER_ELECTION = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export interface LeaderElectionState {
  readonly config: LeaderElectionConfig;
  isLeader: boolean;
  /** The holder and renew time last seen, and when (our clock) we saw them change. */
  observedHolder: string | null;
  observedRenewTime: string | null;
  observedAtMs: number;
  /** Our last successful acquire or renew. */
  lastRenewMs: number;
  inFlight: boolean;
  transitions: number;
}

const TAG = 'leader-election';
export const LEADER_RETRY_TIMER = 'leader-election-retry';

export function newLeaderElection(config: LeaderElectionConfig): LeaderElectionState {
  return { config, isLeader: false, observedHolder: null, observedRenewTime: null, observedAtMs: 0, lastRenewMs: 0, inFlight: false, transitions: 0 };
}

export function ownsTag(tag: string): boolean {
  return tag.startsWith(TAG);
}

/** Runs one try (on start and on every retry timer). Returns a change of leadership, if any. */
export function tryAcquireOrRenew(le: LeaderElectionState, nowMs: number, client: ApiClientState, out: Output): 'lost' | null {
  out.timers.push({ id: LEADER_RETRY_TIMER, delayMs: le.config.retryPeriodMs, event: { type: 'LeaderElectionRetry' } });
  if (le.isLeader && nowMs - le.lastRenewMs > le.config.renewDeadlineMs) {
    le.isLeader = false;
    return 'lost';
  }
  if (le.inFlight) return null;
  le.inFlight = true;
  const c = le.config;
  request(client, { verb: 'get', apiVersion: 'coordination.k8s.io/v1', resource: 'leases', namespace: c.namespace, name: c.leaseName }, `${TAG}:get`, out, nowMs);
  return null;
}

function leaseBody(le: LeaderElectionState, nowMs: number, previous: KubeObject | null): KubeObject {
  const c = le.config;
  const prevSpec = (previous?.spec ?? {}) as Record<string, unknown>;
  const takingOver = prevSpec.holderIdentity !== c.identity;
  const now = microTimestamp(nowMs);
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: c.leaseName, namespace: c.namespace, ...(previous?.metadata?.resourceVersion ? { resourceVersion: previous.metadata.resourceVersion } : {}) },
    spec: {
      holderIdentity: c.identity,
      leaseDurationSeconds: Math.round(c.leaseDurationMs / 1000),
      acquireTime: takingOver ? now : (prevSpec.acquireTime ?? now),
      renewTime: now,
      leaseTransitions: ((prevSpec.leaseTransitions as number | undefined) ?? 0) + (takingOver && previous ? 1 : 0),
    },
  };
}

/** An answer to one of our lease requests. Returns 'acquired' or 'lost' on a change. */
export function onLeaseResult(le: LeaderElectionState, result: ApiResult, nowMs: number, client: ApiClientState, out: Output): 'acquired' | 'lost' | null {
  const c = le.config;
  if (result.tag === `${TAG}:get`) {
    if (result.code === 404) {
      request(client, { verb: 'create', apiVersion: 'coordination.k8s.io/v1', resource: 'leases', namespace: c.namespace, body: leaseBody(le, nowMs, null) }, `${TAG}:write`, out, nowMs);
      return null;
    }
    if (result.code !== 200 || isStatus(result.body)) {
      le.inFlight = false;
      return null;
    }
    const lease = result.body as KubeObject;
    const spec = (lease.spec ?? {}) as { holderIdentity?: string; renewTime?: string };
    const holder = spec.holderIdentity ?? null;
    if (holder !== le.observedHolder || (spec.renewTime ?? null) !== le.observedRenewTime) {
      le.observedHolder = holder;
      le.observedRenewTime = spec.renewTime ?? null;
      le.observedAtMs = nowMs;
    }
    const heldByOther = holder !== null && holder !== '' && holder !== c.identity;
    if (heldByOther && nowMs < le.observedAtMs + c.leaseDurationMs) {
      le.inFlight = false;
      if (le.isLeader) {
        le.isLeader = false;
        return 'lost';
      }
      return null;
    }
    request(
      client,
      { verb: 'update', apiVersion: 'coordination.k8s.io/v1', resource: 'leases', namespace: c.namespace, name: c.leaseName, body: leaseBody(le, nowMs, lease) },
      `${TAG}:write`,
      out,
      nowMs,
    );
    return null;
  }
  if (result.tag === `${TAG}:write`) {
    le.inFlight = false;
    if (result.code === 200 || result.code === 201) {
      le.lastRenewMs = nowMs;
      le.observedHolder = c.identity;
      le.observedAtMs = nowMs;
      if (!le.isLeader) {
        le.isLeader = true;
        le.transitions++;
        return 'acquired';
      }
    }
  }
  return null;
}
