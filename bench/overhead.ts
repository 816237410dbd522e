import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { flags, round, runMain } from './common.js';
import { parseWrk, roundsFields, type WrkResult } from './wrk.js';

// Router overhead: requests per second and p50/p99 latency through the
// router against the same container directly, same load (wrk: C kept-alive
// connections for D seconds, after a short warm-up), in one run.
//
//   node dist/bench/overhead.js --router http://127.0.0.1:80/ --host app.localhost \
//     --direct http://172.17.0.5:5000/ [--published http://127.0.0.1:32768/] \
//     [--concurrency 16] [--duration 10] [--warmup 2] [--rounds 3]
//
// --direct is the container's own address (no proxy at all); --published,
// when given, its port published by Docker (what a client on the host reaches
// without the router, through Docker's port proxy). The targets are measured
// in turn, `--rounds` times each, so drift on a shared machine hits all.
// The load generator is wrk (C, one thread): a generator written in Node
// takes a whole core of a small machine, and the comparison would measure
// the fight for CPU between it and the router rather than the router.
// Prints one JSON object with flat keys on stdout, a summary on stderr.

const USAGE =
  'usage: node dist/bench/overhead.js --router URL [--host HOST] --direct URL [--published URL] [--concurrency C] [--duration S] [--warmup S] [--rounds N]';

const run = promisify(execFile);

interface Options {
  targets: Array<{ name: TargetName; url: string; host?: string }>;
  concurrency: number;
  durationS: number;
  warmupS: number;
  rounds: number;
}

type TargetName = 'direct' | 'published' | 'router';

function parseOverheadArgs(argv: readonly string[]): Options {
  const f = flags(argv, USAGE, [
    'router',
    'host',
    'direct',
    'published',
    'concurrency',
    'duration',
    'warmup',
    'rounds',
  ]);
  const [router, direct, host, published] = [
    f.required('router'),
    f.required('direct'),
    f.one('host'),
    f.one('published'),
  ];
  for (const u of [router, direct, published]) if (u !== undefined) new URL(u); // throws on a bad URL
  return {
    targets: [
      { name: 'direct', url: direct },
      ...(published ? [{ name: 'published' as const, url: published }] : []),
      { name: 'router', url: router, ...(host ? { host } : {}) },
    ],
    concurrency: Math.round(f.positive('concurrency', 16)),
    durationS: f.positive('duration', 10),
    warmupS: f.positive('warmup', 2),
    rounds: Math.round(f.positive('rounds', 3)),
  };
}

async function wrk(t: Options['targets'][number], concurrency: number, seconds: number): Promise<WrkResult> {
  const args = [
    '-t1',
    `-c${concurrency}`,
    `-d${seconds}s`,
    '--latency',
    ...(t.host ? ['-H', `Host: ${t.host}`] : []),
    t.url,
  ];
  try {
    const { stdout } = await run('wrk', args, { timeout: (seconds + 30) * 1000 });
    return parseWrk(stdout);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('wrk is not installed (Debian: apt-get install wrk; scripts/bench installs it)', { cause: err });
    throw err;
  }
}

async function main(): Promise<void> {
  const o = parseOverheadArgs(process.argv.slice(2));
  const runs = new Map<TargetName, WrkResult[]>(o.targets.map((t) => [t.name, []]));
  for (let i = 0; i < o.rounds; i++) {
    for (const t of o.targets) {
      await wrk(t, o.concurrency, o.warmupS);
      const r = await wrk(t, o.concurrency, o.durationS);
      runs.get(t.name)?.push(r);
      process.stderr.write(
        `round ${i + 1} ${t.name}: ${round(r.rps, 0)} req/s, p50 ${r.p50Ms} ms, ${r.failed} failed\n`,
      );
    }
  }
  const out: Record<string, number | string> = {
    generator: 'wrk',
    concurrency: o.concurrency,
    duration_s: o.durationS,
    rounds: o.rounds,
  };
  const rps: Partial<Record<TargetName, number>> = {};
  for (const [name, list] of runs) {
    const summed = roundsFields(name, list);
    rps[name] = summed.rps;
    Object.assign(out, summed.fields);
  }
  out.throughput_ratio = round((rps.router as number) / (rps.direct as number), 3);
  if (rps.published !== undefined) out.published_ratio = round((rps.router as number) / rps.published, 3);
  const line = (name: TargetName) =>
    `${name} ${out[`${name}_rps`]} req/s (p50 ${out[`${name}_p50_ms`]} ms, p99 ${out[`${name}_p99_ms`]} ms)`;
  process.stderr.write(
    `${[...runs.keys()].map(line).join(', ')}: router / direct ${out.throughput_ratio}${rps.published !== undefined ? `, router / published ${out.published_ratio}` : ''}\n`,
  );
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

runMain(main);
