// A small WebSocket-mode client for the tests: one connection, `response.create` turns that resolve
// with every message up to the terminal event (response.completed/failed/incomplete or error).
import WebSocket from "ws";

export interface Turn {
  events: Record<string, any>[];
  /** The terminal message: a response.* terminal event or an error message. */
  last: Record<string, any>;
  /** The Response of the terminal event (absent for an error message). */
  response?: Record<string, any>;
}

const TERMINAL = new Set(["response.completed", "response.failed", "response.incomplete", "error"]);

export class WsClient {
  private buffer: Record<string, any>[] = [];
  private waiter: (() => void) | null = null;
  closed: { code: number; reason: string } | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.buffer.push(JSON.parse(data.toString()));
      this.waiter?.();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.waiter?.();
    });
  }

  static open(gatewayUrl: string, headers: Record<string, string> = {}, path = "/v1/responses"): Promise<WsClient> {
    const ws = new WebSocket(gatewayUrl.replace(/^http/, "ws") + path, { headers });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new WsClient(ws)));
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })));
      });
      ws.once("error", reject);
    });
  }

  send(msg: unknown) {
    this.ws.send(typeof msg === "string" ? msg : JSON.stringify(msg));
  }

  /** Sends one message and collects the reply up to its terminal message. */
  async turn(msg: unknown, timeoutMs = 10_000): Promise<Turn> {
    this.send(msg);
    return this.next(timeoutMs);
  }

  async next(timeoutMs = 10_000): Promise<Turn> {
    const events: Record<string, any>[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.buffer.length > 0) {
        const ev = this.buffer.shift()!;
        events.push(ev);
        if (TERMINAL.has(ev.type)) return { events, last: ev, response: ev.type === "error" ? undefined : ev.response };
      }
      if (this.closed) throw new Error(`closed (${this.closed.code} ${this.closed.reason}) before a terminal event`);
      if (Date.now() > deadline) throw new Error("timed out waiting for a terminal event");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiter = () => {
          clearTimeout(t);
          this.waiter = null;
          resolve();
        };
      });
    }
  }

  waitClosed(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("not closed")), timeoutMs);
      this.ws.once("close", (code, reason) => {
        clearTimeout(t);
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  close() {
    this.ws.close();
  }
}
