/** Authentication (static tokens) and authorization (privileged groups, Node, RBAC) for the apiserver. */
export * from './types.ts';
export * from './authenticate.ts';
export * from './rbac.ts';
export * from './node-authorizer.ts';
export * from './authorize.ts';
export * from './bootstrap.ts';
export * from './escalation.ts';
