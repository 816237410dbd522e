import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { flags, median, runMain } from './common.js';

// `paas run` latency against a running platform: the time from invoking the
// built CLI (`node dist/cli/main.js run -a APP -- echo hi`, not a terminal)
// to `hi` on its stdout, N times; the whole invocation too. Flat JSON on stdout.
//
//   PAAS_API_URL=... PAAS_TOKEN=... (or PAAS_CONFIG_DIR=...) node dist/bench/run.js --app NAME [--runs 10]
//
// The app must have a release with an image.

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface RunTiming {
  outputMs: number;
  totalMs: number;
  code: number;
}

/** One `paas run echo hi`: ms until `hi` appears, ms until the CLI exits, its exit code. */
export function timeRun(app: string, env: NodeJS.ProcessEnv = process.env, cli = CLI): Promise<RunTiming> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
    const child = spawn(process.execPath, [cli, 'run', '-a', app, '--', 'echo', 'hi'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let outputMs = NaN;
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (Number.isNaN(outputMs) && out.includes('hi\n')) outputMs = ms();
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (Number.isNaN(outputMs)) return reject(new Error(`paas run printed no "hi" (exit ${code}): ${err.trim()}`));
      resolve({ outputMs, totalMs: ms(), code: code ?? -1 });
    });
  });
}

export function summary(name: string, xs: readonly number[]): Record<string, number> {
  return {
    [`${name}_median_ms`]: Math.round(median(xs)),
    [`${name}_min_ms`]: Math.round(Math.min(...xs)),
    [`${name}_max_ms`]: Math.round(Math.max(...xs)),
  };
}

export async function benchRun(
  app: string,
  runs: number,
  env: NodeJS.ProcessEnv = process.env,
  cli = CLI,
): Promise<Record<string, number | string>> {
  const timings: RunTiming[] = [];
  for (let i = 0; i < runs; i++) timings.push(await timeRun(app, env, cli));
  return {
    bench: 'run',
    app,
    runs,
    failures: timings.filter((t) => t.code !== 0).length,
    ...summary(
      'output',
      timings.map((t) => t.outputMs),
    ),
    ...summary(
      'total',
      timings.map((t) => t.totalMs),
    ),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runMain(async () => {
    const f = flags(process.argv.slice(2), 'usage: run.js --app NAME [--runs 10]', ['app', 'runs']);
    process.stdout.write(JSON.stringify(await benchRun(f.required('app'), f.int('runs', 10, 1))) + '\n');
  });
}
