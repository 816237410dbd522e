import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseL10 } from '../services/core/logs.js';
import { env, flags, runMain } from './common.js';

// Log throughput benchmark against a running platform: an app's `flood`
// process writes RATE lines per second for SECONDS seconds; a `--tail` log
// session counts the lines delivered and the drops told by L10 lines; the RSS
// of the agent and controller (from $PAAS_STATE_DIR/supervise/<service>/pid, written by its supervisor; both
// the one process's, supervise/platform/pid, when the services share one) is read before, at the peak and after.
//
//   PAAS_API_URL=... PAAS_TOKEN=... PAAS_INTERNAL_TOKEN=... PAAS_STATE_DIR=... \
//     node dist/bench/logs.js --app NAME [--rate 50000] [--seconds 10] [--image IMAGE]
//
// The app must exist. The bench adds a release with a `flood` process type
// (the image of the app's latest release, else --image, default
// paas/stack-run:latest; the internal token is needed for that), scales it to
// 1, measures, and scales it back to 0. Flat JSON on stdout.

function parseArgs(argv: readonly string[]) {
  const f = flags(argv, 'usage: node dist/bench/logs.js --app NAME [--rate N] [--seconds N] [--image IMAGE]', [
    'app',
    'rate',
    'seconds',
    'image',
  ]);
  return {
    app: f.required('app'),
    rate: f.int('rate', 50_000),
    seconds: f.int('seconds', 10),
    image: f.one('image') || 'paas/stack-run:latest',
  };
}

/** The RSS of the process running `service`: its own, or the one "platform" process of PAAS_PROCESSES=one. */
function rssMb(service: string): number | null {
  const supervise = join(process.env.PAAS_STATE_DIR ?? '/var/lib/paas', 'supervise');
  try {
    const pid = readFileSync(
      join(supervise, existsSync(join(supervise, service, 'pid')) ? service : 'platform', 'pid'),
      'utf8',
    ).trim();
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

async function api<T>(method: string, path: string, body?: unknown, token = env('PAAS_TOKEN')): Promise<T> {
  const res = await fetch(env('PAAS_API_URL').replace(/\/+$/, '') + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** The flood process: `rate` lines a second in 10 ms slices for `seconds`, then a `flood done N` line. */
export function floodCommand(rate: number, seconds: number): string {
  const js = `const per=${Math.ceil(rate / 100)},end=Date.now()+${seconds * 1000};let n=0;const p="x".repeat(40);const t=setInterval(()=>{let s="";for(let i=0;i<per;i++)s+=p+" "+(n++)+"\\n";process.stdout.write(s);if(Date.now()>=end){clearInterval(t);setTimeout(()=>console.log("flood done "+n),3000);setInterval(()=>{},1e9)}},10)`;
  return `node -e '${js}'`;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const internal = env('PAAS_INTERNAL_TOKEN');
  const info = await api<{ release: { image: string; processTypes: Record<string, string> } | null }>(
    'GET',
    `/internal/apps/${o.app}`,
    undefined,
    internal,
  );
  const image = info.release?.image || o.image;
  await api(
    'POST',
    `/internal/apps/${o.app}/releases`,
    {
      image,
      processTypes: { ...(info.release?.processTypes ?? {}), flood: floodCommand(o.rate, o.seconds) },
      description: 'logs benchmark',
    },
    internal,
  );
  const session = await api<{ logplex_url: string }>('POST', `/apps/${o.app}/log-sessions`, {
    lines: 0,
    tail: true,
    dyno: 'flood',
    source: undefined,
  });
  const abort = new AbortController();
  const res = await fetch(session.logplex_url, { signal: abort.signal });
  const before = { agent: rssMb('agent'), controller: rssMb('controller') };
  const peak = { agent: before.agent ?? 0, controller: before.controller ?? 0 };
  let delivered = 0;
  let dropped = 0;
  let written = 0;
  let firstAt = 0;
  let lastAt = 0;
  let rest = '';
  const reading = (async () => {
    const dec = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const parts = (rest + dec.decode(chunk, { stream: true })).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          if (!line) continue;
          const l10 = parseL10(line);
          const done = / app\[flood\.\d+\]: flood done (\d+)$/.exec(line);
          if (l10 !== undefined) dropped += l10;
          else if (done) written = Number(done[1]);
          else if (/ app\[flood\.\d+\]: x+ \d+$/.test(line)) {
            delivered++;
            if (!firstAt) firstAt = Date.now();
            lastAt = Date.now();
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  const sampler = setInterval(() => {
    peak.agent = Math.max(peak.agent, rssMb('agent') ?? 0);
    peak.controller = Math.max(peak.controller, rssMb('controller') ?? 0);
  }, 500);
  await api('PATCH', `/apps/${o.app}/formation`, { updates: [{ type: 'flood', quantity: 1 }] });
  const deadline = Date.now() + (o.seconds + 120) * 1000;
  while (
    Date.now() < deadline &&
    !(written > 0 && Date.now() - lastAt > 3000) &&
    !(lastAt && Date.now() - lastAt > 8000)
  )
    await new Promise((r) => setTimeout(r, 500));
  clearInterval(sampler);
  abort.abort();
  await reading;
  await api('PATCH', `/apps/${o.app}/formation`, { updates: [{ type: 'flood', quantity: 0 }] });
  const after = { agent: rssMb('agent'), controller: rssMb('controller') };
  const out = {
    app: o.app,
    rate_asked: o.rate,
    seconds: o.seconds,
    lines_written: written,
    lines_delivered: delivered,
    lines_dropped_l10: dropped,
    lines_unaccounted: written ? written - delivered - dropped : null,
    delivered_per_s: firstAt && lastAt > firstAt ? Math.round(delivered / ((lastAt - firstAt) / 1000)) : null,
    agent_rss_mb_before: before.agent,
    agent_rss_mb_peak: peak.agent || null,
    agent_rss_mb_after: after.agent,
    controller_rss_mb_before: before.controller,
    controller_rss_mb_peak: peak.controller || null,
    controller_rss_mb_after: after.controller,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

runMain(main);
