/**
 * The admission chain: for a create, update, delete or connect the apiserver runs every enabled
 * mutating plugin in order, validates the object itself (not done here), then runs every enabled
 * validating plugin in order, ResourceQuota last. The first rejection ends the request.
 *
 * Order is upstream's (pkg/kubeapiserver/options/plugins.go AllOrderedPlugins) whatever order the
 * plugins are enabled in, as kube-apiserver's --enable-admission-plugins does.
 */
import { DefaultStorageClass } from './default-storage-class.ts';
import { DefaultTolerationSeconds } from './default-toleration-seconds.ts';
import { LimitRanger } from './limit-ranger.ts';
import { NamespaceLifecycle } from './namespace-lifecycle.ts';
import { NodeRestriction } from './node-restriction.ts';
import { Priority } from './priority.ts';
import { ResourceQuota } from './resource-quota.ts';
import { ServiceAccount } from './service-account.ts';
import { TaintNodesByCondition } from './taint-nodes-by-condition.ts';
import type { AdmissionAttributes, AdmissionLookup, AdmissionPlugin, AdmissionResult, QuotaUsage } from './types.ts';

/** Every plugin kubesim models, in upstream order. */
export const PLUGIN_ORDER: readonly string[] = Object.freeze([
  'NamespaceLifecycle',
  'LimitRanger',
  'ServiceAccount',
  'NodeRestriction',
  'TaintNodesByCondition',
  'Priority',
  'DefaultTolerationSeconds',
  'DefaultStorageClass',
  'ResourceQuota',
]);

export const PLUGINS: Readonly<Record<string, AdmissionPlugin>> = Object.freeze({
  NamespaceLifecycle,
  LimitRanger,
  ServiceAccount,
  NodeRestriction,
  TaintNodesByCondition,
  Priority,
  DefaultTolerationSeconds,
  DefaultStorageClass,
  ResourceQuota,
});

/**
 * kubesim's default: kube-apiserver's defaults plus NodeRestriction (which every kubeadm cluster
 * enables), minus TaintNodesByCondition until a node lifecycle controller lifts its taint.
 */
export const DEFAULT_PLUGINS: readonly string[] = Object.freeze(PLUGIN_ORDER.filter((n) => n !== 'TaintNodesByCondition'));

export interface AdmissionChain {
  /** Names of the mutating plugins in the order they run. */
  readonly mutatingOrder: readonly string[];
  /** Names of the validating plugins in the order they run (ResourceQuota last). */
  readonly validatingOrder: readonly string[];
  /** The mutating phase alone: the object to validate, or the first rejection. */
  runMutating(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult;
  /** The validating phase alone, on the already mutated and validated object. */
  runValidating(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult;
  /** Both phases back to back (for callers that validate elsewhere or not at all). */
  admit(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult;
}

function withObject(result: AdmissionResult, object: AdmissionAttributes['object']): AdmissionResult {
  return object === undefined ? result : { ...result, object };
}

export function createChain(enabled: readonly string[] = DEFAULT_PLUGINS): AdmissionChain {
  for (const name of enabled) if (!(name in PLUGINS)) throw new Error(`admission plugin "${name}" is not known; known: ${PLUGIN_ORDER.join(', ')}`);
  const plugins = PLUGIN_ORDER.filter((n) => enabled.includes(n)).map((n) => PLUGINS[n]!);
  const mutating = plugins.filter((p) => p.admit !== undefined);
  // ResourceQuota must be last; upstream order already puts it there.
  const validating = plugins.filter((p) => p.validate !== undefined);

  const runMutating = (attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult => {
    let object = attrs.object;
    for (const plugin of mutating) {
      if (!plugin.operations.includes(attrs.operation)) continue;
      // A copy only once a plugin replaced the object (no plugin writes to its attributes).
      const result = plugin.admit!(object === attrs.object ? attrs : { ...attrs, object }, lookup);
      if (result.error) return withObject({ error: result.error }, object);
      if (result.object !== undefined) object = result.object;
    }
    return withObject({}, object);
  };

  const runValidating = (attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult => {
    const quotaUsage: QuotaUsage[] = [];
    for (const plugin of validating) {
      if (!plugin.operations.includes(attrs.operation)) continue;
      const result = plugin.validate!(attrs, lookup);
      if (result.error) return withObject({ error: result.error }, attrs.object);
      if (result.quotaUsage) quotaUsage.push(...result.quotaUsage);
    }
    return withObject(quotaUsage.length > 0 ? { quotaUsage } : {}, attrs.object);
  };

  return {
    mutatingOrder: Object.freeze(mutating.map((p) => p.name)),
    validatingOrder: Object.freeze(validating.map((p) => p.name)),
    runMutating,
    runValidating,
    admit(attrs, lookup) {
      const mutated = runMutating(attrs, lookup);
      if (mutated.error) return mutated;
      return runValidating({ ...attrs, object: mutated.object }, lookup);
    },
  };
}

export const DEFAULT_CHAIN: AdmissionChain = createChain();

/** Names of the default chain's mutating plugins, in order. */
export const MUTATING_ORDER: readonly string[] = DEFAULT_CHAIN.mutatingOrder;
/** Names of the default chain's validating plugins, in order. */
export const VALIDATING_ORDER: readonly string[] = DEFAULT_CHAIN.validatingOrder;

/** Runs the default chain (both phases). */
export function admit(attrs: AdmissionAttributes, lookup: AdmissionLookup): AdmissionResult {
  return DEFAULT_CHAIN.admit(attrs, lookup);
}
