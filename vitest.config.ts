import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Checks every Response / stream event / error GodeX sends during the suite against
    // schemas/responses-output.schema.json (test/setup/output-audit.ts).
    setupFiles: ["test/setup/output-audit.ts"],
    globalSetup: ["test/setup/godex-home.ts"],
  },
});
