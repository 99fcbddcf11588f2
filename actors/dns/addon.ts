/**
 * The cluster DNS addon as kubeadm installs it (cmd/kubeadm/app/phases/addons/dns/manifests.go):
 * the `coredns` Deployment in kube-system, labelled `k8s-app: kube-dns`, behind the `kube-dns`
 * Service at the tenth address of the service CIDR. Its pods are ordinary pods — scheduled,
 * started by a kubelet, in the kube-dns endpoints when ready; the kubelet hands the DNS queries
 * that reach one to its node's cluster-DNS server (dns-core.ts).
 */

/** The kube-dns Service's address: the tenth of 10.96.0.0/12 (kubeadm's DNS IP). */
export const CLUSTER_DNS_IP = '10.96.0.10';
export const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.11.1';

export function dnsAddonManifests(replicas: number): Record<string, unknown>[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        clusterIP: CLUSTER_DNS_IP,
        selector: { 'k8s-app': 'kube-dns' },
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
        ],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: {
        replicas,
        selector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: { 'k8s-app': 'kube-dns' } },
          spec: {
            priorityClassName: 'system-cluster-critical',
            containers: [
              {
                name: 'coredns',
                image: COREDNS_IMAGE,
                resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
                ports: [
                  { containerPort: 53, name: 'dns', protocol: 'UDP' },
                  { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
                  { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
                ],
                readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 10 },
              },
            ],
            dnsPolicy: 'Default',
          },
        },
      },
    },
  ];
}
