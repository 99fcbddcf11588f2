/** The token controller: what it writes into a service-account-token Secret, and when it deletes one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import type { ApiResult } from '../../actors/client/api-client.ts';
import { SECRETS, SERVICE_ACCOUNTS } from '../../actors/controllers/host/resources.ts';
import type { WriteAction } from '../../actors/controllers/host/types.ts';
import { syncTokenSecret } from '../../actors/controllers/serviceaccount/tokens-controller.ts';
import { decideTokenSecret, legacyToken, ROOT_CA_PEM } from '../../actors/controllers/serviceaccount/tokens.ts';
import { fakeContext } from './fake-context.ts';

const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'build-robot', namespace: 'ci', uid: 'sa-uid' } } as KubeObject;

function secret(extra: { uid?: string; data?: Record<string, string>; type?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'build-robot-secret', namespace: 'ci', uid: 'secret-uid', resourceVersion: '9', annotations: { 'kubernetes.io/service-account.name': 'build-robot', ...(extra.uid ? { 'kubernetes.io/service-account.uid': extra.uid } : {}) } },
    type: extra.type ?? 'kubernetes.io/service-account-token',
    ...(extra.data ? { data: extra.data } : {}),
  } as KubeObject;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

describe('token controller', () => {
  it('fills token, ca.crt and namespace, and records the account uid', () => {
    const d = decideTokenSecret(secret(), sa);
    assert.equal(d.kind, 'update');
    const s = (d as unknown as { secret: KubeObject & { data: Record<string, string> } }).secret;
    assert.equal(unb64(s.data['namespace']!), 'ci');
    assert.equal(unb64(s.data['ca.crt']!), ROOT_CA_PEM);
    assert.equal(s.metadata?.annotations?.['kubernetes.io/service-account.uid'], 'sa-uid');
    const token = unb64(s.data['token']!);
    assert.equal(token, legacyToken(sa, secret()));
    const [header, claims, signature] = token.split('.');
    assert.ok(signature);
    assert.deepEqual(JSON.parse(Buffer.from(header!, 'base64url').toString()), { alg: 'RS256', kid: 'kubesim' });
    const c = JSON.parse(Buffer.from(claims!, 'base64url').toString());
    assert.equal(c.sub, 'system:serviceaccount:ci:build-robot');
    assert.equal(c['kubernetes.io/serviceaccount/service-account.uid'], 'sa-uid');
    assert.equal(c['kubernetes.io/serviceaccount/secret.name'], 'build-robot-secret');
  });

  it('leaves a filled Secret alone, keeps an existing token, and ignores other Secret types', () => {
    const filled = { token: b64('t'), 'ca.crt': b64(ROOT_CA_PEM), namespace: b64('ci') };
    assert.deepEqual(decideTokenSecret(secret({ uid: 'sa-uid', data: filled }), sa), { kind: 'none' });
    const d = decideTokenSecret(secret({ uid: 'sa-uid', data: { token: b64('t') } }), sa) as unknown as { secret: { data: Record<string, string> } };
    assert.equal(d.secret.data['token'], b64('t'));
    assert.deepEqual(decideTokenSecret(secret({ type: 'Opaque' }), undefined), { kind: 'none' });
  });

  it('deletes the Secret when its account is gone, or is another account of the same name', () => {
    assert.equal(decideTokenSecret(secret(), undefined).kind, 'delete');
    assert.equal(decideTokenSecret(secret({ uid: 'older-uid' }), sa).kind, 'delete');
  });

  it('asks the apiserver for an account not in its cache before deleting, and updates with the resourceVersion', () => {
    const ctx = fakeContext(null, [[SECRETS, [secret()]], [SERVICE_ACCOUNTS, []]]);
    const [get] = syncTokenSecret('ci/build-robot-secret', ctx) as WriteAction<null>[];
    assert.deepEqual([get!.request.verb, get!.request.resource, get!.request.name], ['get', 'serviceaccounts', 'build-robot']);
    const onFound = get!.onResult!({ tag: 't', reqId: 1, code: 200, body: sa } as ApiResult, ctx) as WriteAction<null>[];
    assert.deepEqual([onFound[0]!.request.verb, onFound[0]!.request.body?.metadata?.resourceVersion], ['update', '9']);
    const onMissing = get!.onResult!({ tag: 't', reqId: 1, code: 404, body: {} } as ApiResult, ctx) as WriteAction<null>[];
    assert.deepEqual([onMissing[0]!.request.verb, onMissing[0]!.request.name], ['delete', 'build-robot-secret']);
  });
});
