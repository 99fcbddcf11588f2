/**
 * Authorization as kube-apiserver runs it with `--authorization-mode=Node,RBAC`: the privileged
 * group `system:masters` is allowed outright, then the Node authorizer, then RBAC; the first Allow
 * wins, and if none allows, the request fails with 403 (responsewriters.Forbidden):
 *
 *   pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"
 *
 * followed by `: <reason>` when an authorizer gave one (reasons of several authorizers are joined
 * by "\n", as the union authorizer does).
 */
import { forbidden } from '../errors.ts';
import type { ApiStatus } from '../protocol.ts';
import type { AdmissionLookup } from '../admission/types.ts';
import { authorizeNode } from './node-authorizer.ts';
import { authorizeRBAC, type AuthorizationAttributes, type RbacObjects } from './rbac.ts';
import { SYSTEM_MASTERS, type UserInfo } from './types.ts';

export interface AuthorizeOptions {
  /** Put the Node authorizer in front of RBAC (default true). */
  node?: boolean;
  /** AuthorizeNodeWithSelectors for the Node authorizer (default false). */
  nodeWithSelectors?: boolean;
  /** The apiserver's caches, for the Node authorizer's relationship checks. */
  lookup?: Pick<AdmissionLookup, 'get' | 'list'>;
}

export type AuthorizationResult =
  | { allowed: true; by: 'Privileged' | 'Node' | 'RBAC'; reason: string }
  | {
      allowed: false;
      /** The authorizers' reasons joined by "\n" ("" when none gave one). */
      reason: string;
      /** forbiddenMessage: `User "alice" cannot list resource "pods" in API group "" in the namespace "default"`. */
      denial: string;
      /** The full Status message. */
      message: string;
      status: ApiStatus;
    };

/** responsewriters' sanitizer: the message may be rendered as HTML. */
function sanitize(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** responsewriters.forbiddenMessage for a resource request. */
export function forbiddenMessage(user: UserInfo, attrs: AuthorizationAttributes): string {
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const head = `User "${user.name}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}"`;
  return attrs.namespace ? `${head} in the namespace "${attrs.namespace}"` : `${head} at the cluster scope`;
}

/** The 403 Status: `<resource>[.<group>][ "<name>"] is forbidden: <denial>[: <reason>]`. */
export function forbiddenStatus(user: UserInfo, attrs: AuthorizationAttributes, reason: string): ApiStatus {
  const denial = sanitize(forbiddenMessage(user, attrs));
  return forbidden(attrs.resource, attrs.apiGroup, attrs.name ?? '', reason === '' ? denial : `${denial}: ${reason}`);
}

/**
 * RequestInfo takes a list/watch's name from a `metadata.name=<x>` field selector, so RBAC
 * resourceNames and the Node authorizer can scope single-object watches.
 */
export function normalizeAttributes(attrs: AuthorizationAttributes): AuthorizationAttributes {
  if ((attrs.verb === 'list' || attrs.verb === 'watch') && !attrs.name && attrs.fieldSelector) {
    for (const part of attrs.fieldSelector.split(',')) {
      const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(part);
      if (m && m[1]) return { ...attrs, name: m[1] };
    }
  }
  return attrs;
}

export function authorize(user: UserInfo, request: AuthorizationAttributes, rbac: RbacObjects, options: AuthorizeOptions = {}): AuthorizationResult {
  const attrs = normalizeAttributes(request);
  if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, by: 'Privileged', reason: '' };
  const reasons: string[] = [];
  if (options.node ?? true) {
    const d = authorizeNode(user, attrs, options.lookup, { withSelectors: options.nodeWithSelectors ?? false });
    if (d.decision === 'Allow') return { allowed: true, by: 'Node', reason: d.reason };
    if (d.reason !== '') reasons.push(d.reason);
  }
  const r = authorizeRBAC(user, attrs, rbac);
  if (r.decision === 'Allow') return { allowed: true, by: 'RBAC', reason: r.reason };
  if (r.reason !== '') reasons.push(r.reason);
  const reason = reasons.join('\n');
  const status = forbiddenStatus(user, attrs, reason);
  return { allowed: false, reason, denial: forbiddenMessage(user, attrs), message: status.message, status };
}
