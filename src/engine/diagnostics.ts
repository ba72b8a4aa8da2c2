// Collects compatibility diagnostics for one request: what GodeX degraded, ignored or rejected.
import type { Diagnostic } from "../protocol/types.ts";

export class Diagnostics {
  readonly list: Diagnostic[] = [];

  degraded(code: string, path: string, message: string) {
    this.list.push({ code, path, action: "degraded", message });
  }
  ignored(code: string, path: string, message: string) {
    this.list.push({ code, path, action: "ignored", message });
  }
  rejected(code: string, path: string, message: string) {
    this.list.push({ code, path, action: "rejected", message });
  }
}

/** Compact, ASCII-only header value: `code@path` list, capped so proxies never choke on it. */
export function diagnosticsHeader(list: Diagnostic[], maxLength = 2000): string {
  const parts: string[] = [];
  let length = 0;
  for (const d of list) {
    const part = `${d.action}:${d.code}@${d.path}`.replace(/[^\x20-\x7e]/g, "?");
    if (length + part.length + 2 > maxLength) {
      parts.push(`+${list.length - parts.length} more`);
      break;
    }
    parts.push(part);
    length += part.length + 2;
  }
  return parts.join(", ");
}
