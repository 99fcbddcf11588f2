/** Service environment variables, as the kubelet writes them (values worked by hand from envvars.go). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../actors/api/protocol.ts';
import { envVariableName, podServiceEnv, serviceEnvVars } from '../../actors/kubelet/service-env.ts';

const svc = (name: string, namespace: string, clusterIP: string, ports: Record<string, unknown>[]): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { clusterIP, ports } });

test('names: upper case, - → _', () => {
  assert.equal(envVariableName('redis-primary'), 'REDIS_PRIMARY');
});

test('a Service with two ports gives the host, the first port, the named ports and the docker link variables', () => {
  const env = Object.fromEntries(serviceEnvVars(svc('redis-primary', 'default', '10.96.3.4', [{ name: 'redis', port: 6379, protocol: 'TCP' }, { name: 'metrics', port: 9121, protocol: 'TCP' }])).map((v) => [v.name, v.value]));
  assert.deepEqual(env, {
    REDIS_PRIMARY_SERVICE_HOST: '10.96.3.4',
    REDIS_PRIMARY_SERVICE_PORT: '6379',
    REDIS_PRIMARY_SERVICE_PORT_REDIS: '6379',
    REDIS_PRIMARY_SERVICE_PORT_METRICS: '9121',
    REDIS_PRIMARY_PORT: 'tcp://10.96.3.4:6379',
    REDIS_PRIMARY_PORT_6379_TCP: 'tcp://10.96.3.4:6379',
    REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
    REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379',
    REDIS_PRIMARY_PORT_6379_TCP_ADDR: '10.96.3.4',
    REDIS_PRIMARY_PORT_9121_TCP: 'tcp://10.96.3.4:9121',
    REDIS_PRIMARY_PORT_9121_TCP_PROTO: 'tcp',
    REDIS_PRIMARY_PORT_9121_TCP_PORT: '9121',
    REDIS_PRIMARY_PORT_9121_TCP_ADDR: '10.96.3.4',
  });
});

test('the pod\'s namespace and default/kubernetes; headless Services and other namespaces give nothing; enableServiceLinks false keeps only kubernetes', () => {
  const services = [
    svc('kubernetes', 'default', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
    svc('web', 'shop', '10.96.9.9', [{ port: 80, protocol: 'TCP' }]),
    svc('db', 'shop', 'None', [{ port: 5432, protocol: 'TCP' }]),
    svc('other', 'default', '10.96.7.7', [{ port: 80, protocol: 'TCP' }]),
  ];
  const names = podServiceEnv(services, 'shop', true).map((v) => v.name);
  assert.ok(names.includes('WEB_SERVICE_HOST') && names.includes('KUBERNETES_SERVICE_HOST'));
  assert.ok(!names.some((n) => n.startsWith('DB_') || n.startsWith('OTHER_')));
  assert.deepEqual(podServiceEnv(services, 'shop', false).map((v) => v.name.split('_')[0]).filter((v, i, a) => a.indexOf(v) === i), ['KUBERNETES']);
  assert.deepEqual(names, [...names].sort());
});
