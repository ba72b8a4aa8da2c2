// Hot reload for `godex serve`: a change to the config file or a mapping file (or SIGHUP) reloads;
// a file that fails its checks is rejected with a logged error and the running config stays.
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Logger } from "../server/log.ts";

export interface Reloader {
  close(): void;
}

export interface WatchTargets {
  configFile: string;
  mappingsDir: string;
  /** false: reload on SIGHUP only. */
  watchFiles: boolean;
}

export function watchConfig(t: WatchTargets, reload: () => Promise<void> | void, log: Logger): Reloader {
  const { configFile, mappingsDir } = t;
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | null = null;
  let running = Promise.resolve();
  const schedule = (why: string) => {
    if (timer) clearTimeout(timer);
    // Editors write in bursts (temp file, rename): settle first.
    timer = setTimeout(() => {
      timer = null;
      running = running.then(async () => {
        try {
          await reload();
          log.info({ msg: "configuration reloaded", trigger: why });
        } catch (err) {
          log.error({ msg: "configuration change rejected; the running configuration stays in force", trigger: why, error: (err as Error).message });
        }
      });
    }, 250);
    timer.unref();
  };
  const configName = basename(configFile);
  const tryWatch = (dir: string, filter: (name: string) => boolean) => {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (name && filter(String(name))) schedule(`${resolve(dir, String(name))} changed`);
      });
      w.on("error", () => undefined);
      watchers.push(w);
    } catch {
      log.warn({ msg: "cannot watch for changes; use SIGHUP to reload", dir });
    }
  };
  if (t.watchFiles) {
    tryWatch(dirname(resolve(configFile)), (n) => n === configName);
    tryWatch(mappingsDir, (n) => n.endsWith(".yaml") || n.endsWith(".yml"));
  }
  const onHup = () => schedule("SIGHUP");
  process.on("SIGHUP", onHup);
  return {
    close() {
      for (const w of watchers) w.close();
      if (timer) clearTimeout(timer);
      process.off("SIGHUP", onHup);
    },
  };
}
