import { isAppName } from '../../core/names.js';
import { minuteOf, type AppSample } from '../../core/metricpost.js';
import type { DynoSample } from './render.js';

// Each dyno's memory for the app's series (`paas metrics`, the dashboard):
// the agent samples its dynos every SAMPLE_EVERY_MS (metrics/dynos.ts, the
// same sample a scrape uses) and, once a minute has ended, sends each dyno's
// largest working set in it to the controller (core/metricpost.ts).

/** How often the agent looks at its dynos' memory for the series. */
export const SAMPLE_EVERY_MS = 10_000;

/** The largest working set of each app's dynos per minute, until the minute is taken. */
export class MemoryMinutes {
  /** minute (epoch s) -> app -> dyno -> bytes */
  private readonly minutes = new Map<number, Map<string, Record<string, number>>>();

  /** Notes a sample taken at `atMs`. */
  observe(samples: readonly DynoSample[], atMs: number): void {
    const t = minuteOf(atMs);
    let apps = this.minutes.get(t);
    for (const s of samples) {
      const bytes = s.figures?.memory?.workingSetBytes;
      const { app, dyno } = s.labels;
      if (bytes === undefined || !isAppName(app) || !/^[a-z][a-z0-9_-]{0,29}\.\d{1,4}$/.test(dyno)) continue;
      if (!apps) {
        apps = new Map();
        this.minutes.set(t, apps);
      }
      const dynos = apps.get(app) ?? {};
      dynos[dyno] = Math.max(dynos[dyno] ?? 0, bytes);
      apps.set(app, dynos);
    }
  }

  /** The samples of the minute starting at `t` (epoch s), forgotten with every minute before it. */
  take(t: number): AppSample[] {
    const apps = this.minutes.get(t);
    for (const m of this.minutes.keys()) if (m <= t) this.minutes.delete(m);
    return [...(apps ?? new Map<string, Record<string, number>>())].map(([app, memory]) => ({ app, t, memory }));
  }
}
