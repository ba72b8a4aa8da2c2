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
  "websocket-response": null,
  "websocket-sequential-responses": null,
  "websocket-continuation": null,
  "websocket-reconnect-store-false-recovery": null,
  "websocket-previous-response-not-found": null,
  "websocket-failed-continuation-evicts-cache": null,
  "websocket-compact-new-chain": null,
  // Issue 14: POST /v1/responses/compact.
  "compact-response": null,
  "compact-missing-model": null,
};

/** The ids GodeX must pass today. */
export const ENABLED_TESTS = Object.entries(SUITE_TESTS)
  .filter(([, pending]) => pending === null)
  .map(([id]) => id);
