// The continuation state of one WebSocket connection: the most recent responses' histories, bounded
// by count and by bytes, released when the connection closes. Histories share their items (a turn's
// history extends the previous one), so the byte count is an upper bound of what is really held.
import type { Continuations, FinishedResponse, History } from "./history.ts";

export interface ConnectionCacheLimits {
  /** Responses kept (the most recent first). */
  maxResponses: number;
  /** Sum of the kept histories' serialized sizes. */
  maxBytes: number;
}

export class ConnectionCache implements Continuations {
  private readonly entries = new Map<string, History>();
  private total = 0;
  /** Why the last response was not kept (for the not-found message). */
  lastSkipped: { id: string; bytes: number } | null = null;

  constructor(private readonly limits: ConnectionCacheLimits) {}

  get bytes(): number {
    return this.total;
  }
  get size(): number {
    return this.entries.size;
  }

  find(id: string): History | null {
    return this.entries.get(id) ?? null;
  }

  remember(r: FinishedResponse) {
    if (r.history.bytes > this.limits.maxBytes) {
      this.lastSkipped = { id: r.id, bytes: r.history.bytes };
    } else {
      this.entries.set(r.id, r.history);
      this.total += r.history.bytes;
      for (const [id, h] of this.entries) {
        if (this.total <= this.limits.maxBytes && this.entries.size <= this.limits.maxResponses) break;
        this.entries.delete(id);
        this.total -= h.bytes;
      }
    }
  }

  forget(id: string) {
    const h = this.entries.get(id);
    if (!h) return;
    this.entries.delete(id);
    this.total -= h.bytes;
  }

  clear() {
    this.entries.clear();
    this.total = 0;
  }
}
