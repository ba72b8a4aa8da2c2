// The abort signal of one upstream call: the client going away, or the provider's total timeout.
export class RequestDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | null;
  private readonly onClientAbort = () => this.controller.abort();
  timedOut = false;

  constructor(
    private readonly client: AbortSignal,
    readonly totalMs: number,
  ) {
    if (client.aborted) this.controller.abort();
    else client.addEventListener("abort", this.onClientAbort, { once: true });
    this.timer =
      totalMs > 0
        ? setTimeout(() => {
            this.timedOut = true;
            this.controller.abort();
          }, totalMs)
        : null;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get clientGone(): boolean {
    return this.client.aborted;
  }

  /** Must be called when the request ends, so no timer or listener outlives it. */
  dispose() {
    if (this.timer) clearTimeout(this.timer);
    this.client.removeEventListener("abort", this.onClientAbort);
  }
}
