/**
 * Bearer-token authentication against a static token table (kube-apiserver --token-auth-file),
 * followed by the AuthenticatedGroupAdder every authenticated user goes through.
 *
 * - a token in the table → its user, with `system:authenticated` added;
 * - a token not in the table → 401 `Unauthorized` (a bad credential never falls back to anonymous);
 * - no token → `system:anonymous` in `system:unauthenticated` when anonymous auth is on (the
 *   kube-apiserver default, --anonymous-auth=true), else 401.
 */
import { unauthorized } from '../errors.ts';
import type { ApiStatus } from '../protocol.ts';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS_USER, type UserInfo } from './types.ts';

export interface TokenEntry {
  name: string;
  uid?: string;
  groups?: readonly string[];
}

export type TokenTable = Readonly<Record<string, TokenEntry>> | ReadonlyMap<string, TokenEntry>;

export interface AuthenticateOptions {
  /** --anonymous-auth; default true, as kube-apiserver. */
  anonymous?: boolean;
}

export type AuthenticationResult = { ok: true; user: UserInfo } | { ok: false; status: ApiStatus };

function entryFor(table: TokenTable, token: string): TokenEntry | undefined {
  if (table instanceof Map) return (table as ReadonlyMap<string, TokenEntry>).get(token);
  return Object.prototype.hasOwnProperty.call(table, token) ? (table as Readonly<Record<string, TokenEntry>>)[token] : undefined;
}

export function authenticate(token: string | undefined, table: TokenTable, options: AuthenticateOptions = {}): AuthenticationResult {
  if (token === undefined || token === '') {
    if (options.anonymous ?? true) return { ok: true, user: { name: ANONYMOUS_USER, groups: [ALL_UNAUTHENTICATED] } };
    return { ok: false, status: unauthorized() };
  }
  const entry = entryFor(table, token);
  if (!entry) return { ok: false, status: unauthorized() };
  const groups = [...(entry.groups ?? [])];
  if (entry.name !== ANONYMOUS_USER && !groups.includes(ALL_AUTHENTICATED) && !groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
  return { ok: true, user: { name: entry.name, groups, ...(entry.uid !== undefined ? { uid: entry.uid } : {}) } };
}
