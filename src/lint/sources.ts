// Reads the files lint looks at (keeping every value's position) and resolves mapping `extends`
// chains, so a problem in a merged document can be reported in the file that wrote it.
import { existsSync, readFileSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { parseYamlWithLocations } from "../util/yaml-source.ts";
import type { SourceLocation, YamlWithLocations } from "../util/yaml-source.ts";
import { deepMerge } from "../mapping/load.ts";
import { Findings, hasPath, isPlainObject, type Path } from "./types.ts";

export interface SourceFile {
  /** Absolute path. */
  abs: string;
  /** What findings print: relative to the working directory when inside it. */
  file: string;
  text: string;
  value: unknown;
  locate: YamlWithLocations["locate"];
}

export class SourceCache {
  private readonly files = new Map<string, SourceFile | null>();
  /** Display names in the order the files were first read (findings are printed in this order). */
  readonly order: string[] = [];
  constructor(
    private readonly cwd: string,
    private readonly findings: Findings,
  ) {}

  display(abs: string): string {
    const rel = relative(this.cwd, abs);
    return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs;
  }

  abs(path: string): string {
    return resolve(this.cwd, path);
  }

  /**
   * The parsed file, or null when it cannot be read or is not valid YAML (reported once, and the
   * run is marked as incomplete). A missing file is reported only when `reportMissing` is set:
   * callers that follow a reference report it as a `reference` finding instead.
   */
  read(abs: string, reportMissing = true): SourceFile | null {
    if (this.files.has(abs)) return this.files.get(abs)!;
    const file = this.display(abs);
    this.order.push(file);
    let text: string;
    try {
      text = readFileSync(abs, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      if (reportMissing || code !== "ENOENT") {
        this.findings.error({ file, line: 1, col: 1 }, "file", `cannot read ${file} (${code})`);
        this.findings.couldNotRun = true;
      }
      this.files.set(abs, null);
      return null;
    }
    const parsed = parseYamlWithLocations(text, file);
    if (parsed.errors.length > 0) {
      const seen = new Set<number>();
      for (const e of parsed.errors) {
        if (seen.has(e.line)) continue; // one YAML mistake cascades: keep the first per line
        seen.add(e.line);
        this.findings.error(e, "yaml-syntax", e.message);
      }
      this.findings.couldNotRun = true;
      this.files.set(abs, null);
      return null;
    }
    const source: SourceFile = { abs, file, text, value: parsed.value, locate: parsed.locate };
    this.files.set(abs, source);
    return source;
  }
}

export function rootOf(file: string): SourceLocation {
  return { file, line: 1, col: 1 };
}

/** A mapping file with everything it extends, child first, and the merged document. */
export interface MappingChain {
  /** Absolute path of the leaf file: identifies the merged document. */
  id: string;
  leaf: SourceFile;
  files: SourceFile[];
  merged: Record<string, unknown>;
  /** False when part of the chain is missing, cyclic or unreadable: the merged doc is partial. */
  complete: boolean;
}

export interface ChainOptions {
  /** Directories searched for an `extends` target, in order. */
  extendsDirs(child: SourceFile): string[];
}

/**
 * Builds the chain of `leaf`. Broken `extends` (missing file, cycle, not a mapping) are reported
 * as `reference` findings at the `extends` value of the file that wrote it.
 */
export function buildChain(leaf: SourceFile, cache: SourceCache, findings: Findings, opts: ChainOptions): MappingChain {
  const files: SourceFile[] = [];
  let complete = true;
  let current: SourceFile | null = leaf;
  const seen: string[] = [];
  while (current) {
    if (!isPlainObject(current.value)) {
      findings.error(rootOf(current.file), "mapping-schema", "a mapping file must be a YAML mapping (key: value, …)");
      complete = false;
      break;
    }
    files.push(current);
    seen.push(current.abs);
    const parent = current.value.extends;
    if (parent === undefined) break;
    if (typeof parent !== "string" || parent === "") {
      complete = false; // the schema rule reports the wrong type
      break;
    }
    // Located only when reported: a file from the build-time YAML cache is parsed again just for positions.
    const file = current;
    const at = () => file.locate(["extends"]);
    const dirs = opts.extendsDirs(current);
    const candidates = dirs.map((d) => join(d, `${parent}.yaml`));
    const found = candidates.find((c) => existsSync(c));
    if (!found) {
      const where = [...new Set(dirs.map((d) => cache.display(d) || "."))].join(", ");
      findings.error(at(), "reference", `extends '${parent}': no mapping file ${parent}.yaml in ${where}`);
      complete = false;
      break;
    }
    if (seen.includes(found)) {
      const names = [...seen, found].map((f) => basename(f, ".yaml"));
      findings.error(at(), "reference", `extends cycle: ${names.join(" -> ")}`);
      complete = false;
      break;
    }
    current = cache.read(found);
    if (!current) complete = false;
  }
  // Merge base first, as src/mapping/load.ts does; `abstract` describes one file, it is not inherited.
  let merged: Record<string, unknown> = {};
  for (const f of [...files].reverse()) merged = deepMerge(merged, f.value) as Record<string, unknown>;
  merged.abstract = isPlainObject(leaf.value) && leaf.value.abstract === true;
  return { id: leaf.abs, leaf, files, merged, complete };
}

/**
 * Where `path` of the merged document is written: the first file of the chain (child first) that
 * defines it; else the nearest ancestor path some file defines (its key); else the leaf's root.
 */
export function locateInChain(chain: MappingChain, path: Path, which: "key" | "value" = "value"): SourceLocation {
  for (const f of chain.files) if (hasPath(f.value, path)) return f.locate(path, which);
  for (let n = path.length - 1; n >= 1; n--) {
    const prefix = path.slice(0, n);
    for (const f of chain.files) if (hasPath(f.value, prefix)) return f.locate(prefix, "key");
  }
  return rootOf(chain.leaf.file);
}
