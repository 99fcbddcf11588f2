/**
 * sessionAffinity: ClientIP — a client keeps the backend it got for `timeoutSeconds` after its last
 * connection (iptables' `recent` module, ipvs persistence, userspace's affinity map). Per service
 * port; a backend that left the service breaks the affinity.
 */
export class ClientIpAffinity {
  private readonly byClient = new Map<string, { backend: string; lastMs: number }>();

  constructor(private readonly timeoutMs: number) {}

  /** The backend (`ip:port`) the client is held to, if it still is and the backend is still offered. */
  lookup(clientIp: string, nowMs: number, offered: ReadonlySet<string>): string | undefined {
    const entry = this.byClient.get(clientIp);
    if (!entry) return undefined;
    if (nowMs - entry.lastMs > this.timeoutMs || !offered.has(entry.backend)) {
      this.byClient.delete(clientIp);
      return undefined;
    }
    return entry.backend;
  }

  record(clientIp: string, backend: string, nowMs: number): void {
    this.byClient.set(clientIp, { backend, lastMs: nowMs });
  }

  get size(): number {
    return this.byClient.size;
  }
}
