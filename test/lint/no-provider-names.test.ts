// The promise of the mapping engine: what differs between providers is data. No provider name may
// appear in GodeX's code outside the emulators (src/mock/), comments aside; a provider, a search
// backend that reuses a provider's key, a provider's own web search are all declared in YAML.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { projectPath } from "../../src/util/paths.ts";

const NAMES = /\b(deepseek|zhipu|minimax|xiaomi|mimo|bigmodel|glm)\b/i;
/** Product text that says what GodeX is for (the header of Codex's config.toml), not logic. */
const ALLOWED = [/^const PROVIDER_HEADER = \["GodeX: a local gateway from Codex to DeepSeek, Zhipu GLM, MiniMax and Xiaomi MiMo\."/];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    // src/generated/validators/ is schemas/*.json (data) compiled by ajv, with the schemas' descriptions embedded.
    if (statSync(p).isDirectory()) return p === projectPath("src", "mock") || p === projectPath("src", "generated", "validators") ? [] : files(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

/** Code without comments (block comments, then line comments not inside a string or URL). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

describe("no provider name in src/ outside src/mock/", () => {
  it("finds none in code", () => {
    const hits: string[] = [];
    for (const f of files(projectPath("src"))) {
      code(readFileSync(f, "utf8"))
        .split("\n")
        .forEach((line, i) => {
          const l = line.trim();
          if (NAMES.test(l) && !ALLOWED.some((a) => a.test(l))) hits.push(`${relative(projectPath(), f)}:${i + 1}: ${l.slice(0, 120)}`);
        });
    }
    expect(hits).toEqual([]);
  });
});
