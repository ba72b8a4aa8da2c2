// `${VAR}` / `${VAR:-default}` expansion in string values (never in keys). Records which variables
// were used and which were missing, but never their values: callers build errors from names only.

export type Env = Readonly<Record<string, string | undefined>>;

/** One `${…}` reference found in a string value. */
export interface EnvRef {
  /** Path of the string value holding the reference. */
  path: (string | number)[];
  name: string;
  /** The variable exists in env (possibly empty). */
  set: boolean;
  /** Written as `${NAME:-default}`. */
  hasDefault: boolean;
}

export interface InterpolationIssue {
  path: (string | number)[];
  message: string;
}

export interface Interpolated {
  /** A copy of the input with references expanded; an unset reference without default becomes "". */
  value: unknown;
  refs: EnvRef[];
  /** Malformed references (`${`, `${1X}`, nested `${A:-${B}}`). */
  issues: InterpolationIssue[];
}

// `$${` is a literal `${`; otherwise `${NAME}` or `${NAME:-default}` (default without `}`).
const TOKEN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}|\$\{/g;

export function interpolateEnv(input: unknown, env: Env): Interpolated {
  const refs: EnvRef[] = [];
  const issues: InterpolationIssue[] = [];

  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === "string") return expand(value, path);
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...path, k]);
      return out;
    }
    return value;
  };

  const expand = (text: string, path: (string | number)[]): string => {
    if (!text.includes("${")) return text;
    return text.replace(TOKEN, (match, name: string | undefined, withDefault: string | undefined, fallback: string | undefined) => {
      if (match === "$${") return "${";
      if (name === undefined) {
        issues.push({ path, message: 'malformed "${" reference: write ${NAME} or ${NAME:-default} (or $${ for a literal)' });
        return match;
      }
      if (fallback?.includes("${")) {
        issues.push({ path, message: `nested reference in the default of \${${name}} is not supported` });
        return "";
      }
      const current = env[name];
      refs.push({ path, name, set: current !== undefined, hasDefault: withDefault !== undefined });
      // Shell semantics: `:-` also applies when the variable is set but empty.
      if (withDefault !== undefined && (current === undefined || current === "")) return fallback ?? "";
      return current ?? "";
    });
  };

  return { value: walk(input, []), refs, issues };
}

/** Whether a string value contains any `${…}` reference (a `$${` escape does not count). */
export function hasEnvRef(text: string): boolean {
  return /(^|[^$])\$\{/.test(text);
}
