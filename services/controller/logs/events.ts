import type { Logger } from '../../core/logger.js';
import { nowMicro, type LogRecord } from '../../core/logs.js';
import type { RestartRecord } from '../../core/restarts.js';
import type { Store } from '../../core/store.js';
import type { Formation, Release, User } from '../../core/types.js';
import type { LogStore } from './store.js';
import { sortedEntries } from '../../core/compare.js';

// Platform events in the app's log (`paas[api]: ...`), taken from etcd as the
// controller writes them, whatever path wrote them (a build's release, a
// config change, a rollback, ps:scale, ps:restart): a watch on /releases/,
// /formation/ and /restarts/. Changes made while the controller was down are
// not told. With several controllers each writes them for itself (they are
// not copied between them) and only the leader forwards them to drains
// (forward.ts, peers/registry.ts).

/** The lines for a new release: its description, then `Release v5 created by user a@b.c`. Pure. */
export function releaseLines(r: Pick<Release, 'version' | 'description'>, by: string): string[] {
  const who = by ? ` by user ${by}` : '';
  return [...(r.description ? [`${r.description}${who}`] : []), `Release v${r.version} created${who}`];
}

/** A release record put less than this long after it was made is new (a rename re-puts old ones). */
const NEW_RELEASE_MS = 60_000;

/** `Scaled to web@2:standard-1x worker@0:standard-1x`, or undefined when nothing scaled. Pure. */
export function scaleLine(prev: Formation | undefined, next: Formation): string | undefined {
  const same = prev && JSON.stringify(sortedEntries(prev)) === JSON.stringify(sortedEntries(next));
  if (same) return undefined;
  const parts = sortedEntries(next).map(([type, e]) => `${type}@${e.quantity}:${e.size}`);
  return `Scaled to ${parts.join(' ')}`;
}

/** `Restarting all dynos`, `Restarting web dynos`, `Restarting web.1 dyno`. Pure. */
export function restartLine(r: RestartRecord): string {
  if (r.all === r.generation) return 'Restarting all dynos';
  const type = Object.entries(r.types).find(([, g]) => g === r.generation)?.[0];
  if (type) return `Restarting ${type} dynos`;
  const dyno = Object.entries(r.dynos).find(([, g]) => g === r.generation)?.[0];
  return dyno ? `Restarting ${dyno} dyno` : 'Restarting dynos';
}

/**
 * Platform lines of the API as log records (`paas[api]: ...`): what the watch below tells, and what handlers tell
 * themselves of changes no watched record shows (who changed an app's dyno policy). Pure.
 */
export function platformRecords(lines: readonly string[], at = nowMicro()): LogRecord[] {
  return lines.map((line) => ({ at, source: 'paas', dyno: 'api', line }));
}

export class PlatformEvents {
  private stops: (() => Promise<void>)[] = [];

  constructor(
    private readonly store: Store,
    private readonly logs: LogStore,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const k = this.store.keys;
    const on = async (
      prefix: string,
      fn: (app: string, key: string, value: unknown, prev: unknown, created: boolean) => Promise<string[]>,
    ) => {
      const stop = await this.store.watchRecords<unknown>(prefix, {
        put: (key, value, before, created) => {
          const app = key.slice(prefix.length).split('/')[0] ?? '';
          fn(app, key, value, before, created)
            .then((lines) => this.write(app, lines))
            .catch((err: unknown) => this.log.warn({ err, key }, 'cannot log platform event'));
        },
      });
      this.stops.push(stop);
    };
    await on(`${k.prefix}/releases/`, async (_app, _key, v, _prev, created) =>
      created && Date.now() - Date.parse((v as Release).createdAt) < NEW_RELEASE_MS
        ? releaseLines(v as Release, await this.email((v as Release).createdBy))
        : [],
    );
    await on(`${k.prefix}/formation/`, async (_app, _key, v, prev) => {
      const line = scaleLine(prev as Formation | undefined, v as Formation);
      return line && prev ? [line] : [];
    });
    await on(`${k.prefix}/restarts/`, async (_app, _key, v) => [restartLine(v as RestartRecord)]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.stops.map((stop) => stop()));
    this.stops = [];
  }

  private async email(userId: string): Promise<string> {
    if (!userId || userId === 'builder') return '';
    const u = await this.store.get<User>(this.store.keys.user(userId)).catch(() => undefined);
    return u?.email ?? '';
  }

  private async write(app: string, lines: string[]): Promise<void> {
    if (lines.length === 0 || !app) return;
    await this.logs.append(app, platformRecords(lines), 'event'); // every controller writes its own (peers/registry.ts)
  }
}
