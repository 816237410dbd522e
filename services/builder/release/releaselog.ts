import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/logger.js';
import { parseLogLine } from '../../core/logs.js';
import { RELEASE_DYNO } from '../../core/releasephase.js';
import { ControllerError, type Controller } from '../controller.js';
import { relay, type Output } from '../output.js';

// The release phase's output in the push, as on Heroku: the lines of the
// release one-off (`app[release.1]`), followed through a log session of the
// controller, the mechanism `paas logs --tail --ps release.1` uses. A session
// starts with the dyno's recent lines, so the output of a command that exited
// before the session opened is not lost; lines older than the release belong
// to an earlier release phase and are skipped. The agent's
// `paas[release.1]: Process exited with status N` line tells the end.

/** How many of the dyno's recent lines a session starts with. */
const HISTORY_LINES = 1000;
/** Once the command has exited: how long the stream must stay quiet before its output counts as complete. */
const SETTLE_MS = 500;
/** The most finish() waits for the exit line and the quiet after it. */
const FINISH_MAX_MS = 2000;
const RECONNECT_MS = 1000;
/** Distinct lines remembered to skip what a reconnected session repeats (beyond it, repeats may show). */
const MAX_REMEMBERED = 20_000;

export type ReleaseLogEvent = { kind: 'output'; line: string } | { kind: 'exit'; code: number };

/**
 * What one line of the session (`<at> app[release.1]: <text>`) says about
 * the release phase of a release created at `sinceMs` (ms since the epoch):
 * a line of its output, or its exit; undefined for anything else (another
 * dyno, an earlier release phase, other platform lines, a heartbeat). Pure.
 */
export function releaseLogEvent(text: string, sinceMs: number): ReleaseLogEvent | undefined {
  const r = parseLogLine(text);
  if (!r || r.dyno !== RELEASE_DYNO || !(Date.parse(r.at) >= sinceMs)) return undefined;
  if (r.source === 'app') return { kind: 'output', line: r.line };
  const exit = r.source === 'paas' ? /^Process exited with status (\d+)$/.exec(r.line) : null;
  return exit ? { kind: 'exit', code: Number(exit[1]) } : undefined;
}

export interface FollowOptions {
  controller: Controller;
  app: string;
  /** When the release was created (ms since the epoch): earlier lines are not its release phase's. */
  sinceMs: number;
  out: Output;
  log: Logger;
}

/**
 * Prints the release command's output lines to the push (indented like other build output) from construction until
 * stop() or finish().
 */
export class ReleasePhaseFollower {
  /** The command's exit status, once its exit line came. */
  exitCode: number | undefined;
  private lastLineAt = Date.now();
  private readonly abort = new AbortController();
  /** How often each line was printed (by earlier sessions: a reconnected one starts with the same history). */
  private readonly printed = new Map<string, number>();
  private readonly done: Promise<void>;

  constructor(private readonly o: FollowOptions) {
    this.done = this.run();
  }

  /** Waits for the end of the output (the exit line, then SETTLE_MS of quiet; at most maxMs), then stops following. */
  async finish(maxMs = FINISH_MAX_MS): Promise<void> {
    const until = Date.now() + maxMs;
    while (
      !this.abort.signal.aborted &&
      Date.now() < until &&
      (this.exitCode === undefined || Date.now() - this.lastLineAt < SETTLE_MS)
    )
      await sleep(50);
    await this.stop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        const url = await this.o.controller.openLogSession(this.o.app, {
          lines: HISTORY_LINES,
          tail: true,
          dyno: RELEASE_DYNO,
        });
        await this.read(url, signal);
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ControllerError && (err.status === 404 || err.status === 405)) {
          this.o.log.warn({ err }, 'cannot open a log session of the app: the release command output is not shown');
          return;
        }
        this.o.log.warn({ err }, 'cannot follow the release command output; trying again');
      }
      await sleep(RECONNECT_MS, undefined, { signal }).catch(() => undefined); // an abort ends the wait
    }
  }

  /** One session: its lines until it ends (or the follow is stopped). */
  private async read(url: string, signal: AbortSignal): Promise<void> {
    const res = await fetch(url, { signal });
    if (!res.ok || !res.body) throw new Error(`the log stream answered ${res.status}`);
    const counted = new Map<string, number>();
    const decoder = new TextDecoder();
    let rest = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const parts = (rest + decoder.decode(chunk, { stream: true })).split('\n');
      rest = parts.pop() ?? '';
      for (const text of parts) this.take(text, counted);
    }
    throw new Error('the log stream ended');
  }

  private take(text: string, counted: Map<string, number>): void {
    if (text === '') return; // heartbeat
    this.lastLineAt = Date.now();
    const e = releaseLogEvent(text, this.o.sinceMs);
    if (!e) return;
    const n = (counted.get(text) ?? 0) + 1;
    counted.set(text, n);
    if (n <= (this.printed.get(text) ?? 0)) return; // an earlier session printed it
    if (this.printed.size < MAX_REMEMBERED || this.printed.has(text)) this.printed.set(text, n);
    if (e.kind === 'output')
      relay(this.o.out, e.line); // the app's log has it already
    else this.exitCode = e.code;
  }
}
