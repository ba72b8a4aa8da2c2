// Secret fields never reach a log line (JSON or pretty), and logging never alters the caller's object.
import { describe, expect, it } from "vitest";
import { createLogger, redactSecrets } from "../../src/server/log.ts";

const secretFields = () => ({
  msg: "x",
  apiKey: "sk-top",
  api_key: "sk-top2",
  authorization: "Bearer top",
  headers: { authorization: "Bearer hdr", accept: "text/event-stream" },
  provider: { name: "deepseek", apiKey: "sk-nested", api_key: "sk-nested2" },
  list: [{ apiKey: "in-array" }],
  status: 200,
});

describe("log redaction", () => {
  it("censors secret fields at the top level and one level down, in JSON lines", async () => {
    const lines: string[] = [];
    const log = createLogger("info", { write: (l) => lines.push(l) });
    const fields = secretFields();
    log.info(fields);
    await new Promise((r) => setImmediate(r));
    const line = lines.join("");
    for (const secret of ["sk-top", "sk-top2", "Bearer top", "Bearer hdr", "sk-nested", "sk-nested2"]) expect(line).not.toContain(secret);
    const parsed = JSON.parse(line);
    expect(parsed).toMatchObject({ msg: "x", apiKey: "[redacted]", api_key: "[redacted]", authorization: "[redacted]", headers: { authorization: "[redacted]", accept: "text/event-stream" }, provider: { name: "deepseek", apiKey: "[redacted]", api_key: "[redacted]" }, status: 200 });
    // The caller's object is untouched.
    expect(fields).toEqual(secretFields());
  });

  it("censors them in pretty lines too", () => {
    const lines: string[] = [];
    const log = createLogger("info", { write: (l) => lines.push(l), pretty: true });
    log.warn(secretFields());
    for (const secret of ["sk-top", "Bearer hdr", "sk-nested"]) expect(lines.join("")).not.toContain(secret);
    expect(lines.join("")).toContain("[redacted]");
  });

  it("returns the same object when there is nothing to censor (no copy on the hot path)", () => {
    const entry = { msg: "response", requestId: "req_1", usage: { input: 1, output: 2 }, diagnostics: [{ code: "c" }] };
    expect(redactSecrets(entry)).toBe(entry);
  });
});
