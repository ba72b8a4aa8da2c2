// Field paths in mapping files (`choices[0].delta.content`) compiled once into plain property reads.
// A list of paths means "the first one that is present". Anything that is not a plain path is
// rejected here: logic belongs in a JSONata expression, not in a path.

export type Getter = (source: unknown) => unknown;

const SEGMENT = /^([A-Za-z_$][\w$-]*)((?:\[\d+\])*)$/;

/** Splits `a.b[0].c` into ["a", "b", 0, "c"]; throws on anything that is not a plain path. */
export function parsePath(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  for (const segment of path.split(".")) {
    const m = SEGMENT.exec(segment);
    if (!m) throw new Error(`not a plain field path: '${path}' (segment '${segment}')`);
    keys.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) keys.push(Number(idx[1]));
  }
  return keys;
}

export function isPlainPath(path: string): boolean {
  try {
    parsePath(path);
    return true;
  } catch {
    return false;
  }
}

function compileOne(path: string): Getter {
  const keys = parsePath(path);
  // Unrolled for the common depths: these run for every stream chunk.
  if (keys.length === 1) {
    const [a] = keys;
    return (s) => (s as any)?.[a];
  }
  if (keys.length === 2) {
    const [a, b] = keys;
    return (s) => (s as any)?.[a]?.[b];
  }
  if (keys.length === 3) {
    const [a, b, c] = keys;
    return (s) => (s as any)?.[a]?.[b]?.[c];
  }
  if (keys.length === 4) {
    const [a, b, c, d] = keys;
    return (s) => (s as any)?.[a]?.[b]?.[c]?.[d];
  }
  return (s) => {
    let v: any = s;
    for (const k of keys) {
      if (v == null) return undefined;
      v = v[k];
    }
    return v;
  };
}

/** Compiles a path or a list of fallback paths (the first present, non-empty value wins); `null` when the mapping gives none. */
export function compileGetter(spec: string | string[] | null | undefined): Getter | null {
  if (spec == null) return null;
  if (typeof spec === "string") return compileOne(spec);
  const getters = spec.map(compileOne);
  if (getters.length === 1) return getters[0];
  return (s) => {
    for (const g of getters) {
      const v = g(s);
      if (v != null && v !== "") return v;
    }
    return undefined;
  };
}
