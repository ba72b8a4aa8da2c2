// Which tests of the vendored Open Responses compliance suite (test/compliance/openresponses/) GodeX
// must pass. Every test id of the suite is listed here, so a newer suite with a new test fails the
// "lists every test" check until someone decides about it. A test that GodeX does not implement yet
// names the issue that will: switch it on (reason → null) in the change that implements it.
export const SUITE_TESTS: Record<string, string | null> = {
  // The 7 core tests (issue 10).
  "basic-response": null,
  "streaming-response": null,
  "system-prompt": null,
  "tool-calling": null,
  "image-input": null,
  "multi-turn": null,
  "assistant-phase": null,
  // Validates the suite's own fixture against its schema; sends nothing, but costs nothing either.
  "response-output-phase-schema": null,
  // Issue 14: WebSocket mode on GET /v1/responses.
  "websocket-response": "issue 14: WebSocket mode",
  "websocket-sequential-responses": "issue 14: WebSocket mode",
  "websocket-continuation": "issue 14: WebSocket mode, previous_response_id",
  "websocket-reconnect-store-false-recovery": "issue 14: WebSocket mode, previous_response_not_found",
  "websocket-previous-response-not-found": "issue 14: WebSocket mode, previous_response_not_found",
  "websocket-failed-continuation-evicts-cache": "issue 14: WebSocket mode, continuation cache",
  "websocket-compact-new-chain": "issue 14: WebSocket mode and POST /v1/responses/compact",
  // Issue 14: POST /v1/responses/compact.
  "compact-response": "issue 14: POST /v1/responses/compact",
  "compact-missing-model": "issue 14: POST /v1/responses/compact",
};

/** The ids GodeX must pass today. */
export const ENABLED_TESTS = Object.entries(SUITE_TESTS)
  .filter(([, pending]) => pending === null)
  .map(([id]) => id);
