import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, stopChild } from './ports.js';

// A real Prometheus (Debian's `prometheus` package) for one test file: its
// HTTP API on a free port of 127.0.0.1, a config of the test's own jobs
// scraped every second (the README's scrape config, on other ports), and a
// data directory of its own, removed at stop. Queries go through its HTTP API
// (/api/v1/query), as Grafana's or anyone's would.

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface ScrapeJob {
  job: string;
  /** host:port of each target; /metrics on each. */
  targets: string[];
}

/** One series of an instant vector: its labels and value. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface Prometheus {
  url: string;
  /** An instant query (PromQL) evaluated now. */
  query(expr: string): Promise<Sample[]>;
  /** Polls `expr` until `accept` takes its result (and answers it), or fails after `timeoutMs` with the last result. */
  waitFor(expr: string, accept: (samples: Sample[]) => boolean, timeoutMs?: number): Promise<Sample[]>;
  /** What Prometheus printed so far. */
  output(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(jobs: readonly ScrapeJob[], scrapeInterval = '1s'): Promise<Prometheus> {
  if (!existsSync(PROMETHEUS_BIN))
    throw new Error(
      `${PROMETHEUS_BIN} is missing: apt-get install prometheus (scripts/test installs it with the test packages)`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'paas-prometheus-'));
  try {
    const config = join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      stringify({
        global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, evaluation_interval: '1m' },
        scrape_configs: jobs.map((j) => ({ job_name: j.job, static_configs: [{ targets: j.targets }] })),
      }),
    );
    // A free port can be taken between its probe and Prometheus' bind: then it exits, and another is tried.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const child = spawn(
        PROMETHEUS_BIN,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const url = `http://127.0.0.1:${port}`;
      if (await waitForReady(child, url)) {
        const query = (expr: string) => instantQuery(url, expr);
        return {
          url,
          query,
          waitFor: async (expr, accept, timeoutMs = 30_000) => {
            const deadline = Date.now() + timeoutMs;
            let last: Sample[] | string | undefined;
            for (;;) {
              try {
                last = await query(expr);
                if (accept(last)) return last;
              } catch (err) {
                last = (err as Error).message;
              }
              if (Date.now() > deadline)
                throw new Error(`Prometheus: ${expr} never was as expected; last: ${JSON.stringify(last)}\n${out}`);
              await new Promise((r) => setTimeout(r, 250));
            }
          },
          output: () => out,
          stop: async () => {
            await stopChild(child);
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      await stopChild(child);
      if (attempt === 3 || !/address already in use/.test(out))
        throw new Error(`prometheus did not get ready at ${url}:\n${out}`);
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** GET /api/v1/query: the instant vector's series (a scalar or string result is an error here). */
async function instantQuery(url: string, expr: string): Promise<Sample[]> {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success' || !body.data) throw new Error(`query ${expr}: ${body.error ?? res.status}`);
  if (body.data.resultType !== 'vector') throw new Error(`query ${expr}: a ${body.data.resultType}, not a vector`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/** Polls /-/ready until it answers 200 (true), Prometheus exits, or 30 s pass (false). */
async function waitForReady(child: ChildProcess, url: string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const ok = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
