// The package version, read once from package.json.
import { readFileSync } from "node:fs";
import { projectPath } from "./util/paths.ts";

export const VERSION: string = JSON.parse(readFileSync(projectPath("package.json"), "utf8")).version;
