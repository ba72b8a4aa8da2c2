// Security: refusing unauthenticated remote binds, inbound bearer tokens, the client's credentials
// never forwarded, provider keys never in anything GodeX writes, upstream redirects never followed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFromObject, isLoopbackHost } from "../../src/config/load.ts";
import { startGateway } from "../../src/server/start.ts";
import { remoteBindProblem } from "../../src/server/auth.ts";
import {
  DONE,
  TEST_KEYS,
  chunk,
  clientAgent,
  get,
  outcomeOf,
  post,
  requestBody,
  startRawUpstream,
  startRig,
  usageChunk,
  type HttpResult,
  type RawUpstream,
  type Rig,
} from "./helpers.ts";

afterAll(async () => {
  await clientAgent.close();
});

describe("binding beyond loopback", () => {
  const dir = mkdtempSync(join(tmpdir(), "godex-rel-bind-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = (server: Record<string, unknown>) =>
    loadConfigFromObject({ server: { port: 0, ...server }, providers: { deepseek: { credentials: { api_key: TEST_KEYS.deepseek }, endpoint: { base_url: "http://127.0.0.1:9/deepseek" } } } }, {});

  it("without server.auth.tokens startGateway refuses to start (and listens on nothing)", async () => {
    for (const host of ["0.0.0.0", "::", "192.0.2.10", "10.1.2.3"]) {
      await expect(startGateway(config({ host }), { carrierKeyFile: join(dir, "c.key") }), host).rejects.toThrow(/refusing to listen on .*server\.auth\.tokens/);
    }
  });

  it("tokens, or the explicit opt-out, allow it; loopback hosts need neither", () => {
    expect(remoteBindProblem("0.0.0.0", ["t0k3n-long-enough"], false, isLoopbackHost)).toBeNull();
    expect(remoteBindProblem("0.0.0.0", [], true, isLoopbackHost)).toBeNull();
    for (const host of ["127.0.0.1", "localhost", "::1", "127.8.9.10"]) expect(remoteBindProblem(host, [], false, isLoopbackHost), host).toBeNull();
    expect(remoteBindProblem("0.0.0.0", [], false, isLoopbackHost)).toMatch(/refusing/);
  });

  it("the refusal message names neither a token nor a key", async () => {
    const err = await startGateway(config({ host: "0.0.0.0" }), { carrierKeyFile: join(dir, "c.key") }).catch((e: Error) => e);
    expect(String(err)).not.toContain(TEST_KEYS.deepseek);
  });
});

describe("inbound bearer tokens", () => {
  const TOKENS = ["godex-inbound-token-alpha-5521", "godex-inbound-token-beta"];
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ providers: ["deepseek"], tokens: TOKENS });
  });
  afterAll(async () => {
    await rig.close();
  });
  const mock = () => rig.mocks.deepseek!;

  it("missing or wrong token → 401 in the OpenAI error shape; the provider is not called", async () => {
    mock().clear();
    const wrong = [undefined, "", "Bearer", "Bearer ", `Bearer ${TOKENS[0]}x`, `Bearer ${TOKENS[0]!.slice(0, -1)}`, `Basic ${TOKENS[0]}`, TOKENS[0]!, `Bearer ${TEST_KEYS.deepseek}`];
    for (const auth of wrong) {
      for (const stream of [true, false]) {
        const o = outcomeOf(await post(rig.url, requestBody(rig.model("deepseek"), stream), { headers: auth === undefined ? {} : { authorization: auth } }));
        expect(o.summary, String(auth)).toBe("HTTP 401 invalid_api_key");
        expect(o.problems).toEqual([]);
      }
    }
    expect((await get(rig.url, "/v1/models")).status).toBe(401);
    expect(mock().requests).toHaveLength(0);
  });

  it("the right token (either one, any case of 'Bearer') passes", async () => {
    for (const auth of [`Bearer ${TOKENS[0]}`, `bearer ${TOKENS[1]}`, `Bearer   ${TOKENS[1]}`]) {
      const o = outcomeOf(await post(rig.url, requestBody(rig.model("deepseek"), true), { headers: { authorization: auth } }));
      expect(o.summary, auth).toBe("SSE completed");
    }
    expect((await get(rig.url, "/v1/models", { authorization: `Bearer ${TOKENS[0]}` })).status).toBe(200);
  });

  it("/health stays open for probes and shows no secret", async () => {
    const h = await get(rig.url, "/health");
    expect(h.status).toBe(200);
    for (const s of [...TOKENS, TEST_KEYS.deepseek!]) expect(h.text).not.toContain(s);
  });

  it("the client's Authorization (and other credentials) never reach the provider", async () => {
    mock().clear();
    const clientHeaders = {
      authorization: `Bearer ${TOKENS[0]}`,
      "x-api-key": "client-x-api-key-31337",
      cookie: "session=client-cookie-31337",
      "openai-organization": "org-client-31337",
      "chatgpt-account-id": "acct-client-31337",
      "proxy-authorization": "Basic Y2xpZW50OjMxMzM3",
    };
    expect(outcomeOf(await post(rig.url, requestBody(rig.model("deepseek"), true), { headers: clientHeaders })).summary).toBe("SSE completed");
    const seen = mock().requests[0]!;
    expect(seen.headers.authorization).toBe(`Bearer ${TEST_KEYS.deepseek}`);
    const upstream = JSON.stringify(seen.headers) + seen.rawBody;
    for (const v of [TOKENS[0]!, "31337", "Y2xpZW50OjMxMzM3"]) expect(upstream).not.toContain(v);
  });
});

describe("provider keys never appear in anything GodeX writes", () => {
  const WRONG_KEY = "sk-rel-wrongkey-0c55e6f1d2a94b7e";
  let rig: Rig;
  let raw: RawUpstream;
  const written: string[] = [];

  beforeAll(async () => {
    // An upstream that echoes the key it was sent, in every place a provider might.
    raw = await startRawUpstream((req, res, rec) => {
      const key = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
      const mode = /echo:([a-z0-9-]+)/.exec(rec.body)?.[1];
      const errorBody = JSON.stringify({ error: { message: `Incorrect API key provided: ${key}. You can find your API key at https://example.invalid.`, type: "invalid_request_error", code: "invalid_api_key" } });
      if (mode === "401" || mode === "500" || mode === "429") {
        res.writeHead(Number(mode), { "content-type": "application/json", "retry-after": "0" });
        return void res.end(errorBody);
      }
      if (mode === "200-error") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(errorBody);
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      if (mode === "stream-error") return void res.end(chunk({ role: "assistant", content: "" }) + `data: ${errorBody}\n\n`);
      if (mode === "bad-chunk") return void res.end(`data: {key ${key}\n\n` + chunk({ content: `hi` }) + chunk({}, "stop") + usageChunk() + DONE);
      res.end(chunk({ role: "assistant", content: "ok" }) + chunk({}, "stop") + usageChunk() + DONE);
    });
    rig = await startRig({
      providers: ["deepseek"],
      logLevel: "debug",
      logWrite: (line) => void written.push(line),
      variants: { wrongkey: { apiKey: WRONG_KEY } },
      extraProviders: { echo: { spec: "deepseek", base_url: raw.url, retry: { max_attempts: 2, max_delay_ms: 10 } } },
    });
  });
  afterAll(async () => {
    await rig.close();
    await raw.close();
  });

  const record = (r: HttpResult) => {
    written.push(JSON.stringify(r.headers), r.text);
    return r;
  };

  it("across full requests, error paths and upstream echoes", async () => {
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    const tee = (orig: typeof out) => ((chunk: unknown, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (orig as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof out;
    process.stdout.write = tee(out);
    process.stderr.write = tee(err);
    try {
      const ds = rig.model("deepseek");
      const outcomes: string[] = [];
      for (const stream of [true, false]) {
        outcomes.push(outcomeOf(record(await post(rig.url, requestBody(ds, stream)))).summary);
        // Upstream 401 that echoes a masked key (the DeepSeek emulator's real message).
        const masked = outcomeOf(record(await post(rig.url, requestBody(rig.model("deepseek", "wrongkey"), stream))));
        outcomes.push(masked.summary);
        expect(masked.message).toMatch(/\*\*\*\*/);
        for (const mode of ["401", "500", "429", "200-error", "stream-error", "bad-chunk"]) {
          const o = outcomeOf(record(await post(rig.url, { ...requestBody("echo/deepseek-v4-pro", stream), input: `echo:${mode}` })));
          outcomes.push(`${mode}: ${o.summary}`);
        }
        // Bad input and unknown models.
        record(await post(rig.url, { model: ds, input: 5, stream }));
        record(await post(rig.url, requestBody("nope/none", stream)));
        record(await post(rig.url, "{not json"));
      }
      record(await get(rig.url, "/health"));
      record(await get(rig.url, "/v1/models"));
      record(await get(rig.url, "/nowhere"));
      expect(outcomes).toContain("SSE completed");
      console.log(outcomes.join("\n"));
      // Key rejections: HTTP 401 invalid_api_key (JSON) or, streamed, invalid_prompt (the code Codex stops on).
      expect(outcomes.filter((s) => s.includes("invalid_api_key")).length).toBeGreaterThanOrEqual(2);
      expect(outcomes.filter((s) => s.includes("invalid_prompt")).length).toBeGreaterThanOrEqual(2);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
    expect(written.length).toBeGreaterThan(30);
    const everything = written.join("\n");
    expect(everything).toMatch(/"msg":"response"/); // the logger really was captured
    for (const key of [...Object.values(TEST_KEYS), WRONG_KEY]) {
      expect(everything.includes(key), `key ${key.slice(0, 12)}… found in GodeX output`).toBe(false);
    }
  });
});

describe("upstream redirects are not followed", () => {
  let target: RawUpstream;
  let redirector: RawUpstream;
  let rig: Rig;
  beforeAll(async () => {
    target = await startRawUpstream((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(chunk({ role: "assistant", content: "stolen" }) + chunk({}, "stop") + DONE);
    });
    redirector = await startRawUpstream((_req, res, rec) => {
      const status = Number(/redirect:(\d{3})/.exec(rec.body)?.[1] ?? 302);
      res.writeHead(status, { location: `${target.url}/chat/completions`, "content-type": "text/plain" });
      res.end("moved");
    });
    rig = await startRig({ providers: ["deepseek"], extraProviders: { redir: { spec: "deepseek", base_url: redirector.url } } });
  });
  afterAll(async () => {
    await rig.close();
    await redirector.close();
    await target.close();
  });

  it("301/302/303/307/308 to another host: not followed, not retried; a clear server_error", async () => {
    for (const status of [301, 302, 303, 307, 308]) {
      for (const stream of [true, false]) {
        const before = redirector.requests.length;
        const o = outcomeOf(await post(rig.url, { ...requestBody("redir/deepseek-v4-pro", stream), input: `redirect:${status}` }));
        expect(o.summary, `${status}`).toBe(stream ? "SSE failed:server_error" : "HTTP 502 server_error");
        expect(o.message).toMatch(/redirect/);
        expect(redirector.requests.length - before).toBe(1);
      }
    }
    expect(target.requests).toHaveLength(0);
  });

  it("the upstream URL comes from the config only, never from the request", async () => {
    const o = outcomeOf(
      await post(rig.url, { ...requestBody(rig.model("deepseek"), true), base_url: target.url, metadata: { base_url: target.url } }, { headers: { host: new URL(target.url).host, "x-forwarded-host": new URL(target.url).host } }),
    );
    expect(o.summary).toMatch(/^SSE completed$|^HTTP 400/);
    expect(target.requests).toHaveLength(0);
  });
});
