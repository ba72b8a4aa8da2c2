// The floor: a bare Node HTTP proxy that forwards the body to the same upstream and pipes the reply
// back unchanged (no parsing, no translation, keep-alive pool). Whatever it adds over a direct call is
// the cost of one more Node HTTP hop on this machine, which no Node gateway can go below.
//
// Run as a child process: `node --import tsx bench/lib/floor-proxy.ts <upstream port>` prints `{"port":N}`.
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";

const upstreamPort = Number(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });

const server = createServer((req, res) => {
  const up = request(
    {
      agent,
      host: "127.0.0.1",
      port: upstreamPort,
      method: req.method,
      path: req.url,
      headers: { "content-type": "application/json", "content-length": req.headers["content-length"] ?? "0" },
    },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, { "content-type": upRes.headers["content-type"] ?? "application/octet-stream" });
      upRes.pipe(res);
    },
  );
  up.on("error", () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(up);
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.once("SIGTERM", () => process.exit(0));
process.once("SIGINT", () => process.exit(0));
