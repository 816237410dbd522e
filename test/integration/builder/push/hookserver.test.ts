import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../services/core/logger.js';
import { ControllerClient } from '../../../../services/builder/controller.js';
import { DockerodeBuilder } from '../../../../services/builder/build/dockerode.js';
import { startHookServer, type RunningHookServer } from '../../../../services/builder/push/hookserver.js';
import { HEADER_COMMIT, HEADER_PUSH, HEADER_REF, ResultReader } from '../../../../services/builder/push/protocol.js';
import { Pushes } from '../../../../services/builder/push/pushes.js';
import { BuildQueue } from '../../../../services/builder/build/queue.js';
import { BuilderMetrics } from '../../../../services/builder/metrics.js';
import { ServiceMetrics } from '../../../../services/core/metrics.js';

// The builder's side of the hook socket, for requests that never reach a build.

describe('hook socket server', () => {
  let dir: string;
  let server: RunningHookServer;
  const pushes = new Pushes();
  const metrics = new ServiceMetrics('builder');
  const queue = new BuildQueue(1);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paas-hooksrv-'));
    server = await startHookServer(
      {
        settings: {
          cluster: 'tbx',
          buildStackImage: 'none',
          runStackImage: 'none',
          buildpacksDir: dir,
          buildpacks: ['nodejs'],
          buildpacksCacheDir: join(dir, 'bpcache'),
          buildpacksAllowFile: false,
          cacheDir: join(dir, 'cache'),
          buildMemoryMb: 512,
          deployWaitMs: 0,
        },
        controller: new ControllerClient('http://127.0.0.1:9', 'unused'),
        docker: new DockerodeBuilder(new Docker()),
        logger: createLogger('hooksrv-test', 'silent'),
        pushes,
        queue,
        metrics: new BuilderMetrics(metrics, queue),
        buildsDir: join(dir, 'builds'),
        maxSourceBytes: 1024 * 1024,
      },
      join(dir, 'run', 'builder.sock'),
    );
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  function post(
    headers: Record<string, string>,
    body: Buffer,
  ): Promise<{ status: number; text: string; result: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { socketPath: join(dir, 'run', 'builder.sock'), path: '/builds', method: 'POST', headers },
        (res) => {
          const reader = new ResultReader();
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += reader.push(c)));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text, result: reader.finish() }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const commit = 'c'.repeat(40);

  it('refuses a request without a known push token', async () => {
    const r = await post(
      { [HEADER_PUSH]: 'forged', [HEADER_COMMIT]: commit, [HEADER_REF]: 'refs/heads/main' },
      Buffer.alloc(0),
    );
    expect(r.status).toBe(403);
  });

  it('fails a source over the size limit with a message, and cleans up', async () => {
    const push = pushes.open('big-app', { id: 'u1', email: 'u1@example.com' });
    const r = await post(
      { [HEADER_PUSH]: push.token, [HEADER_COMMIT]: commit, [HEADER_REF]: 'refs/heads/main' },
      Buffer.alloc(3 * 1024 * 1024),
    );
    expect(r.status).toBe(200);
    expect(r.result).toBe('failed');
    expect(r.text).toContain(' !     Build failed: the source is larger than 1 MB');
    expect(await readdir(join(dir, 'builds'))).toEqual([]);
  });

  it('fails a body that is not a tar', async () => {
    const push = pushes.open('bad-app', { id: 'u1', email: 'u1@example.com' });
    const r = await post(
      { [HEADER_PUSH]: push.token, [HEADER_COMMIT]: commit, [HEADER_REF]: 'refs/heads/main' },
      Buffer.from('not a tar at all, no sir'.repeat(100)),
    );
    expect(r.result).toBe('failed');
    expect(r.text).toContain('Build failed: could not read the pushed source');
  });

  it("counts the builds it started, and the pusher's failures as failed (not the refused request)", async () => {
    const text = await metrics.text();
    const sample = (series: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.slice(series.length + 1),
      );
    expect(sample('paas_builder_builds_started_total')).toBe(2);
    expect(sample('paas_builder_builds_finished_total{outcome="failed"}')).toBe(2);
    expect(sample('paas_builder_builds_finished_total{outcome="error"}')).toBe(0);
    expect(sample('paas_builder_build_duration_seconds_count{outcome="failed"}')).toBe(2);
    expect(sample('paas_builder_builds_running')).toBe(0);
  });
});
