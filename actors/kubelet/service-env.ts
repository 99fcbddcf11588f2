import type { KubeObject } from '../api/protocol.ts';

/**
 * The environment variables the kubelet gives a container for Services (pkg/kubelet/envvars
 * `FromServices`, kubelet_pods.go `getServiceEnvVarMap`): for each Service with a cluster IP in
 * the pod's namespace (unless `enableServiceLinks: false`) and always `default/kubernetes`,
 * `{NAME}_SERVICE_HOST`, `{NAME}_SERVICE_PORT` (the first port), `{NAME}_SERVICE_PORT_{PORTNAME}`
 * for each named port, and the Docker link variables `{NAME}_PORT`, `{NAME}_PORT_{port}_{PROTO}`
 * with `_PROTO`, `_PORT` and `_ADDR`. NAME is the Service's name upper-cased with `-` → `_`. Only
 * the Services that exist when the container starts count: one created later gives no variables.
 */

export interface EnvVar {
  name: string;
  value: string;
}

interface ServiceSpec {
  clusterIP?: string;
  ports?: { name?: string; port?: number; protocol?: string }[];
}

/** makeEnvVariableName. */
export function envVariableName(name: string): string {
  return name.replace(/-/g, '_').toUpperCase();
}

function isServiceIpSet(spec: ServiceSpec): boolean {
  return spec.clusterIP !== undefined && spec.clusterIP !== '' && spec.clusterIP !== 'None';
}

/** FromServices for one Service. */
export function serviceEnvVars(svc: KubeObject): EnvVar[] {
  const spec = (svc['spec'] ?? {}) as ServiceSpec;
  const ports = spec.ports ?? [];
  if (!isServiceIpSet(spec) || ports.length === 0) return [];
  const prefix = envVariableName(svc.metadata?.name ?? '');
  const ip = spec.clusterIP!;
  const out: EnvVar[] = [{ name: `${prefix}_SERVICE_HOST`, value: ip }, { name: `${prefix}_SERVICE_PORT`, value: String(ports[0]!.port ?? 0) }];
  for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envVariableName(p.name)}`, value: String(p.port ?? 0) });
  ports.forEach((p, i) => {
    const protocol = p.protocol ?? 'TCP';
    const url = `${protocol.toLowerCase()}://${ip}:${p.port ?? 0}`;
    if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
    const portPrefix = `${prefix}_PORT_${p.port ?? 0}_${protocol.toUpperCase()}`;
    out.push({ name: portPrefix, value: url }, { name: `${portPrefix}_PROTO`, value: protocol.toLowerCase() }, { name: `${portPrefix}_PORT`, value: String(p.port ?? 0) }, { name: `${portPrefix}_ADDR`, value: ip });
  });
  return out;
}

/**
 * getServiceEnvVarMap + FromServices: the variables for a pod in `namespace`, from the Services
 * that exist now, sorted by name (the kubelet merges them into a map; a later one of the same name wins).
 */
export function podServiceEnv(services: readonly KubeObject[], namespace: string, enableServiceLinks: boolean): EnvVar[] {
  const chosen = new Map<string, KubeObject>();
  for (const svc of services) {
    const name = svc.metadata?.name ?? '';
    const ns = svc.metadata?.namespace ?? 'default';
    if (ns === namespace && enableServiceLinks) chosen.set(name, svc);
    else if (ns === 'default' && name === 'kubernetes' && !chosen.has(name)) chosen.set(name, svc);
  }
  const env = new Map<string, string>();
  for (const name of [...chosen.keys()].sort()) for (const v of serviceEnvVars(chosen.get(name)!)) env.set(v.name, v.value);
  return [...env].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([name, value]) => ({ name, value }));
}
