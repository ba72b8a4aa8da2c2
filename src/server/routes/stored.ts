// Stored responses (store: true): GET /v1/responses/{id}, GET /v1/responses/{id}/input_items,
// DELETE /v1/responses/{id}. Unknown, expired and deleted ids are 404s in the OpenAI error shape.
import type { Request, Response } from "express";
import { ClientError } from "../../protocol/types.ts";
import type { ResponseStore } from "../../store/response-store.ts";
import { sendError, sendJson } from "../errors.ts";

const notFound = (id: string) => new ClientError(404, "invalid_request_error", "not_found", `Response with id '${id}' not found.`, "response_id");

type Handler = (req: Request, res: Response) => Promise<void>;

function guarded(store: ResponseStore | null, fn: (store: ResponseStore, id: string, req: Request, res: Response) => Promise<void>): Handler {
  return async (req, res) => {
    const id = String(req.params.id ?? "");
    if (!store) return sendError(res, notFound(id));
    await fn(store, id, req, res);
  };
}

export function storedResponseHandlers(store: ResponseStore | null) {
  return {
    get: guarded(store, async (s, id, _req, res) => {
      const r = await s.get(id);
      if (!r) return sendError(res, notFound(id));
      sendJson(res, 200, r);
    }),
    inputItems: guarded(store, async (s, id, req, res) => {
      const items = await s.inputItems(id);
      if (!items) return sendError(res, notFound(id));
      const q = req.query;
      const limit = q.limit === undefined ? 20 : Number(q.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        return sendError(res, new ClientError(400, "invalid_request_error", "invalid_value", "limit must be an integer from 1 to 100.", "limit"));
      }
      const order = q.order === undefined ? "desc" : String(q.order);
      if (order !== "asc" && order !== "desc") return sendError(res, new ClientError(400, "invalid_request_error", "invalid_value", "order must be 'asc' or 'desc'.", "order"));
      let list = order === "desc" ? [...items].reverse() : items;
      if (q.after !== undefined) {
        const at = list.findIndex((i) => (i as { id?: string }).id === String(q.after));
        list = at < 0 ? [] : list.slice(at + 1);
      }
      const data = list.slice(0, limit);
      const ids = data.map((i) => (i as { id?: string }).id ?? null);
      sendJson(res, 200, { object: "list", data, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null, has_more: list.length > limit });
    }),
    delete: guarded(store, async (s, id, _req, res) => {
      if (!(await s.delete(id))) return sendError(res, notFound(id));
      sendJson(res, 200, { id, object: "response", deleted: true });
    }),
  };
}
