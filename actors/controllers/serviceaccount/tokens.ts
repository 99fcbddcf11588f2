import type { KubeObject } from '../../api/protocol.ts';

/**
 * The token controller's decision (pkg/controller/serviceaccount/tokens_controller.go,
 * `syncSecret` / `generateTokenIfNeeded`): a Secret of type `kubernetes.io/service-account-token`
 * naming a ServiceAccount gets `data.token`, `data.ca.crt`, `data.namespace` and the account's
 * uid annotation; when its account is gone (or is another account of the same name) the Secret is
 * deleted. Since 1.24 no such Secret is created per account: only those users create are filled.
 *
 * The token is not signed: it has a JWT's shape (header.payload.signature, base64url) and the
 * legacy claims, and a signature derived from the uids, so it is the same on every run.
 */

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SERVICE_ACCOUNT_NAME_KEY = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_UID_KEY = 'kubernetes.io/service-account.uid';

/** The cluster CA kube-controller-manager is given (--root-ca-file); a fixed stand-in. */
export const ROOT_CA_PEM = '-----BEGIN CERTIFICATE-----\nkubesim-cluster-ca\n-----END CERTIFICATE-----\n';

export type TokenDecision = { kind: 'none' } | { kind: 'delete'; reason: string } | { kind: 'update'; secret: KubeObject };

interface SecretShape {
  type?: string;
  data?: Record<string, string>;
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

export function isServiceAccountToken(secret: KubeObject): boolean {
  return (secret as SecretShape).type === SERVICE_ACCOUNT_TOKEN_TYPE;
}

/** `LegacyClaims` in a JWT-shaped string. */
export function legacyToken(serviceAccount: KubeObject, secret: KubeObject): string {
  const ns = secret.metadata?.namespace ?? 'default';
  const sa = serviceAccount.metadata?.name ?? '';
  const header = { alg: 'RS256', kid: 'kubesim' };
  const claims = {
    iss: 'kubernetes/serviceaccount',
    'kubernetes.io/serviceaccount/namespace': ns,
    'kubernetes.io/serviceaccount/secret.name': secret.metadata?.name ?? '',
    'kubernetes.io/serviceaccount/service-account.name': sa,
    'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.metadata?.uid ?? '',
    sub: `system:serviceaccount:${ns}:${sa}`,
  };
  const signature = `kubesim-unsigned:${serviceAccount.metadata?.uid ?? ''}:${secret.metadata?.uid ?? ''}`;
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}.${base64url(signature)}`;
}

/**
 * What to do with one Secret, given the ServiceAccount of its name annotation in its namespace
 * (undefined when there is none).
 */
export function decideTokenSecret(secret: KubeObject, serviceAccount: KubeObject | undefined): TokenDecision {
  if (!isServiceAccountToken(secret)) return { kind: 'none' };
  const annotations = secret.metadata?.annotations ?? {};
  const uid = annotations[SERVICE_ACCOUNT_UID_KEY];
  // getServiceAccount: a uid annotation must name this very account, not a later one of that name.
  if (!serviceAccount || (uid !== undefined && uid !== '' && uid !== serviceAccount.metadata?.uid)) {
    return { kind: 'delete', reason: `service account ${secret.metadata?.namespace ?? ''}/${annotations[SERVICE_ACCOUNT_NAME_KEY] ?? ''} does not exist` };
  }
  if (secret.metadata?.deletionTimestamp) return { kind: 'none' };
  const data = (secret as SecretShape).data ?? {};
  const ca = base64(ROOT_CA_PEM);
  const needsCa = data['ca.crt'] !== ca;
  const needsNamespace = !data['namespace'];
  const needsToken = !data['token'];
  if (!needsCa && !needsNamespace && !needsToken) return { kind: 'none' };
  const next: Record<string, string> = { ...data, 'ca.crt': ca, namespace: base64(secret.metadata?.namespace ?? 'default') };
  if (needsToken) next['token'] = base64(legacyToken(serviceAccount, secret));
  return {
    kind: 'update',
    secret: {
      ...secret,
      metadata: { ...secret.metadata, annotations: { ...annotations, [SERVICE_ACCOUNT_NAME_KEY]: serviceAccount.metadata?.name ?? '', [SERVICE_ACCOUNT_UID_KEY]: serviceAccount.metadata?.uid ?? '' } },
      data: next,
    } as KubeObject,
  };
}
