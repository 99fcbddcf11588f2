import type { KubeObject } from '../../api/protocol.ts';

/**
 * The scheduler's view of storage (kube's PVC, PV and StorageClass listers, which VolumeBinding
 * reads): kept up to date from the scheduler's informers, read by the plugin and by the binding
 * step that writes `volume.kubernetes.io/selected-node`.
 */
export class VolumeStore {
  private readonly claims = new Map<string, KubeObject>();
  private readonly volumes = new Map<string, KubeObject>();
  private readonly classes = new Map<string, KubeObject>();

  setClaim(obj: KubeObject): void {
    this.claims.set(`${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`, obj);
  }
  removeClaim(obj: KubeObject): void {
    this.claims.delete(`${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`);
  }
  claim(namespace: string, name: string): KubeObject | undefined {
    return this.claims.get(`${namespace}/${name}`);
  }
  setVolume(obj: KubeObject): void {
    this.volumes.set(obj.metadata?.name ?? '', obj);
  }
  removeVolume(obj: KubeObject): void {
    this.volumes.delete(obj.metadata?.name ?? '');
  }
  volume(name: string): KubeObject | undefined {
    return this.volumes.get(name);
  }
  setClass(obj: KubeObject): void {
    this.classes.set(obj.metadata?.name ?? '', obj);
  }
  removeClass(obj: KubeObject): void {
    this.classes.delete(obj.metadata?.name ?? '');
  }
  storageClass(name: string): KubeObject | undefined {
    return this.classes.get(name);
  }
}
