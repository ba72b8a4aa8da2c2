// The abort signal of one upstream call: the client going away, the provider's total timeout, or
// GodeX shutting down at the end of its drain period.
export class RequestDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | null;
  private readonly onClientAbort = () => this.controller.abort();
  private readonly onShutdown = () => {
    this.shuttingDown = true;
    this.controller.abort();
  };
  timedOut = false;
  shuttingDown = false;

  constructor(
    private readonly client: AbortSignal,
    readonly totalMs: number,
    private readonly shutdown?: AbortSignal,
  ) {
    if (client.aborted) this.controller.abort();
    else client.addEventListener("abort", this.onClientAbort, { once: true });
    if (shutdown?.aborted) this.onShutdown();
    else shutdown?.addEventListener("abort", this.onShutdown, { once: true });
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
    this.shutdown?.removeEventListener("abort", this.onShutdown);
  }
}
