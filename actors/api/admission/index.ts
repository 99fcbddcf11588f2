/** kubesim's admission chain: see chain.ts for the order and each plugin's file for its rules. */
export * from './types.ts';
export * from './chain.ts';
export * from './namespace-lifecycle.ts';
export * from './limit-ranger.ts';
export * from './service-account.ts';
export * from './node-restriction.ts';
export * from './taint-nodes-by-condition.ts';
export * from './priority.ts';
export * from './default-toleration-seconds.ts';
export * from './resource-quota.ts';
export * from './pod.ts';
export * from './quantity-format.ts';
