// The client's side of one response, whatever transport carries it: commits late and keeps the
// client alive. Nothing is sent until an attempt commits (its target produced output, or ended
// cleanly); only then do the headers, response.created and the output follow. A provider that
// stays silent for a keep-alive period makes GodeX open the stream anyway (headers, created,
// in_progress) so Codex's idle timer is reset by real events; no output has gone out at that
// point, so another target can still take over. Once output has gone out, the target is fixed.
import type { Diagnostic } from "../protocol/types.ts";
import type { EventSink, ResponseBuilder } from "./stream/response-builder.ts";

/** What the streaming transport needs from the engine: one write per event. */
export interface StreamOut {
  /**
   * Sends the status line and headers (called once, right before the first event). `headers` are
   * extra response headers (e.g. x-godex-served-by); transports without headers may ignore them.
   */
  begin(diagnostics: Diagnostic[], headers?: Record<string, string>): void;
  event: EventSink;
  /** Resolves when the client has taken what was written; null when it is keeping up. */
  congested?(): Promise<void> | null;
  end(): void;
}

export const DEFAULT_KEEP_ALIVE_MS = 15_000;

export class ClientReply {
  /** Headers, response.created and response.in_progress have gone out. */
  private opened = false;
  /** The first output event has gone out (or, without a stream, the answer is final). */
  private committed = false;
  private current: ResponseBuilder | null = null;
  private diagnostics: Diagnostic[] = [];
  private readonly headers: Record<string, string> = {};
  private lastWrite = Date.now();
  private readonly timer: NodeJS.Timeout | null = null;

  /** The sink every attempt's builder writes to (a no-op target without a stream). */
  readonly sink: EventSink | undefined;

  constructor(
    private readonly out: StreamOut | null,
    keepAliveMs = DEFAULT_KEEP_ALIVE_MS,
  ) {
    if (!out) return;
    this.sink = (type, json) => {
      out.event(type, json);
      this.lastWrite = Date.now();
    };
    this.timer = setInterval(() => {
      if (Date.now() - this.lastWrite < keepAliveMs) return;
      // Nothing for a while: a silent provider before output opens the stream, later a real event.
      if (!this.opened) this.open();
      else this.current?.keepAlive();
    }, Math.min(keepAliveMs, 5_000));
    this.timer.unref();
  }

  get streaming(): boolean {
    return this.out !== null;
  }

  /** Output went to the client: no other target may take over. */
  get answered(): boolean {
    return this.committed;
  }

  get builder(): ResponseBuilder | null {
    return this.current;
  }

  /** The attempt now feeding the client; it continues the sequence if the stream is already open. */
  use(builder: ResponseBuilder, diagnostics: Diagnostic[]) {
    if (this.opened && this.current && this.current !== builder) builder.resume(this.current.sequence);
    this.current = builder;
    this.diagnostics = diagnostics;
  }

  /** A response header sent with the stream's head (set before it opens) or the JSON reply. */
  setHeader(name: string, value: string) {
    this.headers[name] = value;
  }

  get extraHeaders(): Record<string, string> {
    return { ...this.headers };
  }

  /** Sends the head of the stream (headers, created, in_progress) if it has not gone out yet. */
  open() {
    if (!this.out || this.opened || !this.current) return;
    this.opened = true;
    this.out.begin(this.diagnostics, this.extraHeaders);
    this.current.start();
  }

  /** The attempt's first output is about to be pushed: from here on it is the answer. */
  commit() {
    if (!this.out || this.committed) return;
    this.open();
    this.committed = true;
  }

  congested(): Promise<void> | null {
    return this.out?.congested?.() ?? null;
  }

  end() {
    this.out?.end();
  }

  dispose() {
    if (this.timer) clearInterval(this.timer);
  }
}
