// `godex lint` as a library: lints a config and the mapping files it uses, or the given files,
// and returns located findings. `godex serve` calls lintPaths to refuse a broken setup.
import { dirname, resolve } from "node:path";
import type { Env } from "../config/interpolate.ts";
import { DEFAULT_MAPPINGS_DIR } from "../mapping/load.ts";
import { lintConfigFile, looksLikeConfig } from "./config.ts";
import { lintReplyCoverage, lintRequestCoverage } from "./coverage.ts";
import { lintEffortCoverage } from "./effort-coverage.ts";
import { lintResponsesWire } from "./responses-wire.ts";
import { lintExamples } from "./examples.ts";
import { lintJsonata } from "./jsonata.ts";
import { lintMappingName, lintMappingReferences } from "./references.ts";
import { lintMappingSchema } from "./schema.ts";
import { lintConfigSearchBackend, lintSearchBackend } from "./search.ts";
import { looksLikeSearchBackend } from "../search/backend.ts";
import { buildChain, SourceCache, type MappingChain, type SourceFile } from "./sources.ts";
import { chainKey, shippedVerdicts } from "./verdicts.ts";
import { Findings, type DraftFinding, type Finding } from "./types.ts";

export type { Finding, RuleId, Severity } from "./types.ts";
export { RULES } from "./types.ts";
export { formatHuman, formatJson } from "./format.ts";

export interface LintOptions {
  /** Files to lint (configs or mappings, told apart by their top-level keys). Empty: the config and its mappings. */
  files?: string[];
  /** Config linted when `files` is empty (default ./godex.yaml). */
  config?: string;
  /** Where provider `spec`s (and, after the file's own directory, `extends`) are looked up. Default: the shipped mappings/. */
  mappingsDir?: string;
  /** Environment for `${VAR}` checks (default process.env). Values are never printed. */
  env?: Env;
  /** Warnings become errors. */
  strict?: boolean;
  /**
   * Report errors only (the `godex serve` preflight, which prints nothing else): warnings are not
   * located, listed or counted. Which findings are errors, and how many, is the same as without it.
   */
  errorsOnly?: boolean;
  /** Base for relative paths, in and out (default process.cwd()). */
  cwd?: string;
}

export interface LintResult {
  /** Sorted by file (in the order read), line, column. */
  findings: Finding[];
  errors: number;
  warnings: number;
  /** A file could not be read or parsed: the result is incomplete (`godex lint` exits 2). */
  couldNotRun: boolean;
  /** Every file linted, as printed in findings. */
  files: string[];
}

const BLOCKING = new Set(["mapping-schema", "jsonata-syntax", "reference", "yaml-syntax", "file"]);

export async function lintPaths(opts: LintOptions = {}): Promise<LintResult> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const findings = new Findings();
  const cache = new SourceCache(cwd, findings);
  const mappingsDir = resolve(cwd, opts.mappingsDir ?? DEFAULT_MAPPINGS_DIR);
  const display = (abs: string) => cache.display(abs);

  const leaves: { file: SourceFile; dirs: (child: SourceFile) => string[] }[] = [];
  const explicit = (opts.files ?? []).length > 0;
  const inputs = explicit ? opts.files! : [opts.config ?? "godex.yaml"];
  for (const input of inputs) {
    const source = cache.read(cache.abs(input));
    if (!source) continue;
    if (explicit && looksLikeSearchBackend(source.value)) {
      lintSearchBackend(source, findings);
      continue;
    }
    if (!explicit || looksLikeConfig(source.value)) {
      lintConfigSearchBackend(source, cache, findings);
      // As at run time: specs and their extends chains come from the one mappings directory.
      for (const ref of lintConfigFile(source, env, mappingsDir, findings, display)) {
        const mapping = ref.file ? cache.read(ref.file) : null;
        // As at run time: a mapping in another directory may extend the shipped ones.
        if (mapping) leaves.push({ file: mapping, dirs: () => [...new Set([mappingsDir, DEFAULT_MAPPINGS_DIR])] });
      }
    } else {
      leaves.push({ file: source, dirs: (child) => [...new Set([dirname(child.abs), mappingsDir, DEFAULT_MAPPINGS_DIR])] });
    }
  }

  const perFileDone = new Set<string>();
  const chainsDone = new Set<string>();
  const verdicts = shippedVerdicts();
  for (const leaf of leaves) {
    if (chainsDone.has(leaf.file.abs)) continue;
    chainsDone.add(leaf.file.abs);
    const chain = buildChain(leaf.file, cache, findings, { extendsDirs: leaf.dirs });
    // A shipped chain, unchanged, that these same rules found clean at build time: nothing to report.
    if (chain.complete && verdicts?.has(chainKey(chain))) {
      for (const f of chain.files) perFileDone.add(f.abs);
      continue;
    }
    await lintChain(chain, findings, perFileDone);
  }

  const list = finish(findings.list, cache.order, opts.strict === true, opts.errorsOnly === true);
  return {
    findings: list,
    errors: list.filter((f) => f.severity === "error").length,
    warnings: list.filter((f) => f.severity === "warning").length,
    couldNotRun: findings.couldNotRun,
    files: [...cache.order],
  };
}

/**
 * Every rule about one mapping chain: the per-file rules (once per file, `perFileDone`), then the
 * merged document's. Depends on the chain's files only, never on the config or the environment,
 * which is what lets a clean verdict be cached by the chain's texts (src/lint/verdicts.ts).
 */
export async function lintChain(chain: MappingChain, findings: Findings, perFileDone = new Set<string>()): Promise<void> {
  for (const f of chain.files) {
    if (perFileDone.has(f.abs)) continue;
    perFileDone.add(f.abs);
    lintJsonata(f, findings);
    lintMappingName(f, findings);
  }
  // A broken extends chain leaves a partial document: checking it would only repeat that.
  if (!chain.complete) return;
  const valid = lintMappingSchema(chain, findings);
  lintMappingReferences(chain, findings);
  lintRequestCoverage(chain, findings);
  lintReplyCoverage(chain, findings);
  lintEffortCoverage(chain, findings);
  lintResponsesWire(chain, findings);
  const chainFiles = new Set(chain.files.map((f) => f.file));
  const blocked = findings.list.some((f) => f.severity === "error" && BLOCKING.has(f.rule) && chainFiles.has(f.file));
  if (valid && !blocked) await lintExamples(chain, findings);
}

/** Drops schema errors another rule explains better, de-duplicates, sorts, applies --strict. */
function finish(drafts: DraftFinding[], order: string[], strict: boolean, errorsOnly: boolean): Finding[] {
  const owned = drafts.filter((d) => d.owner && d.rule !== "mapping-schema");
  const explained = (d: DraftFinding) =>
    d.rule === "mapping-schema" &&
    d.owner !== undefined &&
    owned.some((o) => o.owner!.doc === d.owner!.doc && o.owner!.path.length <= d.owner!.path.length && o.owner!.path.every((s, i) => String(s) === String(d.owner!.path[i])));
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const d of drafts) {
    if (explained(d)) continue;
    const severity = strict ? "error" : d.severity;
    if (errorsOnly && severity !== "error") continue;
    const f: Finding = { file: d.file, line: d.line, col: d.col, rule: d.rule, severity, message: d.message };
    const id = JSON.stringify(f);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(f);
  }
  const rank = (file: string) => {
    const i = order.indexOf(file);
    return i < 0 ? order.length : i;
  };
  // Equal strings compare as 0 without localeCompare: its first call loads ICU's collation data (~15 ms
  // of `godex serve`'s start when two findings share a file); the order is the same.
  const compare = (x: string, y: string) => (x === y ? 0 : x.localeCompare(y));
  return out.sort((a, b) => rank(a.file) - rank(b.file) || compare(a.file, b.file) || a.line - b.line || a.col - b.col || compare(a.rule, b.rule));
}
