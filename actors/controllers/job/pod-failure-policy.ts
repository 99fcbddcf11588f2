import type { KubeObject } from '../../api/protocol.ts';

/**
 * A Job's podFailurePolicy (pkg/controller/job/pod_failure_policy.go `matchPodFailurePolicy`):
 * the first rule that matches a failed pod decides — by a non-zero exit code of one of its
 * containers (init containers first), or by a pod condition such as `DisruptionTarget` — whether
 * the failure fails the whole Job (FailJob), is ignored (Ignore: not counted toward backoffLimit,
 * the pod is replaced) or counted as usual (Count, and no rule matching).
 */

export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

export interface PodFailurePolicyRule {
  action: PodFailurePolicyAction;
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
  onPodConditions?: { type: string; status?: string }[];
}

export interface PodFailurePolicy {
  rules: PodFailurePolicyRule[];
}

export interface PodFailureMatch {
  action: PodFailurePolicyAction;
  /** For FailJob: the Failed condition's message, upstream's words. */
  message?: string;
}

interface ContainerStatus {
  name: string;
  state?: { terminated?: { exitCode?: number } };
}

interface PodStatusLike {
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  conditions?: { type: string; status: string }[];
}

function matchOnExitCodes(status: PodStatusLike, req: NonNullable<PodFailurePolicyRule['onExitCodes']>): ContainerStatus | undefined {
  for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const code = c.state?.terminated?.exitCode;
    if (code === undefined || code === 0) continue;
    if (req.containerName !== undefined && req.containerName !== c.name) continue;
    const listed = req.values.includes(code);
    if (req.operator === 'In' ? listed : !listed) return c;
  }
  return undefined;
}

function matchOnPodConditions(status: PodStatusLike, patterns: NonNullable<PodFailurePolicyRule['onPodConditions']>): string | undefined {
  for (const cond of status.conditions ?? []) {
    for (const p of patterns) if (cond.type === p.type && cond.status === (p.status ?? 'True')) return cond.type;
  }
  return undefined;
}

/** The action for a failed pod, or undefined when no rule matches (the failure counts). */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: KubeObject): PodFailureMatch | undefined {
  if (!policy) return undefined;
  const status = (pod.status ?? {}) as PodStatusLike;
  const where = `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
  for (const [index, rule] of (policy.rules ?? []).entries()) {
    if (rule.onExitCodes) {
      const c = matchOnExitCodes(status, rule.onExitCodes);
      if (!c) continue;
      const message = `Container ${c.name} for pod ${where} failed with exit code ${c.state?.terminated?.exitCode} matching ${rule.action} rule at index ${index}`;
      return rule.action === 'FailJob' ? { action: 'FailJob', message } : { action: rule.action };
    }
    if (rule.onPodConditions) {
      const type = matchOnPodConditions(status, rule.onPodConditions);
      if (!type) continue;
      const message = `Pod ${where} has condition ${type} matching ${rule.action} rule at index ${index}`;
      return rule.action === 'FailJob' ? { action: 'FailJob', message } : { action: rule.action };
    }
  }
  return undefined;
}
