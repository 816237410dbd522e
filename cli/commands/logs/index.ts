import { fetchFirst, sameOnEach } from '../../../services/core/apiurls.js';
import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { CliError, type Ctx } from '../../context.js';
import type { LogSessionRequest, LogSessionView, LogSource } from '../../../services/core/api.js';

// logs: the app's recent lines (-n), or a tail (--tail) that streams until Ctrl-C.

export interface LogsOptions {
  num?: string;
  tail?: boolean;
  dyno?: string;
  ps?: string;
  source?: string;
}

/** The log-session body from the flags (`--ps` is `--dyno`); refuses a bad -n or source. Pure. */
export function logSessionRequest(o: LogsOptions): LogSessionRequest {
  const n = o.num === undefined ? 100 : Number(o.num);
  if (!Number.isInteger(n) || n < 0 || n > 10_000)
    throw new CliError(`--num must be a number of lines 0..10000, got ${JSON.stringify(o.num)}`);
  const source = o.source;
  if (source !== undefined && !['app', 'router', 'paas'].includes(source))
    throw new CliError('--source must be app, router or paas');
  const dyno = o.dyno ?? o.ps;
  return { lines: n, tail: o.tail === true, ...(dyno && { dyno }), ...(source && { source: source as LogSource }) };
}

/**
 * Streams the session's text to `out`, line by line (heartbeat blank lines dropped), until it ends or `signal` aborts.
 * The URL names the controller that made the session; any other of `bases` (PAAS_API_URL's) serves it too, and is
 * tried when that one cannot be reached.
 */
export async function streamLines(
  ctx: Ctx,
  url: string,
  signal: AbortSignal,
  bases: readonly string[] = [],
): Promise<void> {
  let res: Response;
  try {
    res = await fetchFirst(sameOnEach(url, bases), { signal, fetchFn: ctx.fetch });
  } catch (err) {
    if (signal.aborted) return;
    throw new CliError(`Could not read the logs at ${url} (${(err as Error).message})`);
  }
  if (!res.ok || !res.body) throw new CliError(`The log stream answered ${res.status}`);
  const decoder = new TextDecoder();
  let rest = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const parts = (rest + decoder.decode(chunk, { stream: true })).split('\n');
      rest = parts.pop() ?? '';
      const lines = parts.filter((l) => l !== '');
      if (lines.length) ctx.out(lines.join('\n'));
    }
  } catch (err) {
    if (!signal.aborted) throw new CliError(`The log stream broke off (${(err as Error).message})`);
  }
  if (rest) ctx.out(rest);
}

export default appCommand(
  'logs',
  {
    description: 'display recent log output of an app: its dynos, the router, builds and platform events',
    options: [
      ['-n, --num <n>', 'number of lines to display (default 100)'],
      ['-t, --tail', 'continually stream logs (Ctrl-C ends)'],
      ['-d, --dyno <dyno>', 'only show output from this process type (web) or dyno (web.1)'],
      ['--ps <dyno>', 'same as --dyno'],
      ['-s, --source <source>', 'only show output from this source: app, router or paas'],
    ],
    example: [
      '$ paas logs -n 200 --ps web --tail -a my-app',
      '2026-11-24T22:00:00.123456+00:00 app[web.1]: listening on 5000',
    ],
    parse: (_args: [], opts: LogsOptions) => logSessionRequest(opts),
  },
  async ({ app, api, input: body, ctx }) => {
    const session = await api.post<LogSessionView>(appPath(app, '/log-sessions'), body);
    const abort = new AbortController();
    const stop = () => abort.abort();
    if (body.tail) process.once('SIGINT', stop);
    try {
      await streamLines(ctx, session.logplex_url, abort.signal, api.urls.order());
    } finally {
      process.removeListener('SIGINT', stop);
    }
  },
);
