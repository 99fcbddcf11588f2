/**
 * Small clusters for the fuzzer's broken-variant tests: a scenario file's cluster (3 etcd members,
 * one scheduler and controller-manager, `nodes.count` workers) with the given workload manifests.
 */
export function clusterYaml(nodes: { count: number; cpu: string }, apiservers: number, workload: string): string {
  return `apiVersion: kubesim.io/v1alpha1
kind: Scenario
metadata: {name: variant}
spec:
  seed: 1
  duration: 60s
  cluster:
    etcd: {members: 3}
    controlPlane: {apiservers: ${apiservers}, schedulers: 1, controllerManagers: 1}
    nodes:
      - name: worker
        count: ${nodes.count}
        capacity: {cpu: "${nodes.cpu}", memory: 8Gi, pods: 110}
  workload:
${workload}`;
}

export const SERVICE = `    - apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        selector: {app: web}
        ports: [{port: 80, targetPort: 80}]
`;

export function deployment(replicas: number, cpu: string): string {
  return `    - apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web, labels: {app: web}}
      spec:
        replicas: ${replicas}
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers: [{name: app, image: nginx:1.25, resources: {requests: {cpu: ${cpu}, memory: 64Mi}}}]
`;
}

export const STATEFULSET = `    - apiVersion: apps/v1
      kind: StatefulSet
      metadata: {name: db}
      spec:
        replicas: 2
        serviceName: db
        selector: {matchLabels: {app: db}}
        template:
          metadata: {labels: {app: db}}
          spec:
            containers: [{name: db, image: nginx:1.25, resources: {requests: {cpu: 100m, memory: 64Mi}}}]
`;
