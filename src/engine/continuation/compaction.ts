// Compaction items: POST /v1/responses/compact returns a `compaction` item whose encrypted_content
// GodeX seals (the reasoning carrier's HMAC format, under a name no provider can have). When such an
// item comes back in `input`, it is expanded into the summary text for the provider. A compaction
// item GodeX did not seal (OpenAI's) stays as it is: the translator drops it with a diagnostic.
import type { InputItem, ResponsesRequest } from "../../protocol/request.ts";
import type { ReasoningCarrier } from "../reasoning-carrier.ts";

/** The carrier "provider" of sealed summaries ('@' is not allowed in provider names). */
const SEAL_AS = "@compaction";

export function sealSummary(carrier: ReasoningCarrier, summary: string): string {
  return carrier.seal({ provider: SEAL_AS, reasoning: summary });
}

export function openSummary(carrier: ReasoningCarrier, blob: unknown): string | null {
  const r = carrier.open(blob, SEAL_AS);
  return r.ok ? r.value.reasoning : null;
}

/** The request with every GodeX-sealed compaction item replaced by a user message holding its summary. */
export function expandCompactions(req: ResponsesRequest, carrier: ReasoningCarrier, prefix: string): ResponsesRequest {
  if (typeof req.input === "string" || !Array.isArray(req.input)) return req;
  if (!req.input.some((i) => (i as { type?: string }).type === "compaction")) return req;
  const input = req.input.map((item): InputItem => {
    const it = item as { type?: string; encrypted_content?: unknown };
    if (it.type !== "compaction") return item;
    const summary = openSummary(carrier, it.encrypted_content);
    return summary === null ? item : ({ type: "message", role: "user", content: [{ type: "input_text", text: `${prefix}${summary}` }] } as InputItem);
  });
  return { ...req, input };
}
