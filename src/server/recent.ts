// The last N requests, for the status page. A fixed ring: memory never grows with traffic.
import type { RequestRecord } from "../protocol/record.ts";

export class RecentRequests {
  private readonly ring: (RequestRecord & { at: string })[] = [];
  constructor(private readonly size = 50) {}

  add(r: RequestRecord) {
    this.ring.push({ ...r, at: new Date().toISOString() });
    if (this.ring.length > this.size) this.ring.shift();
  }

  /** Newest first. */
  list() {
    return [...this.ring].reverse();
  }
}
