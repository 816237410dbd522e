import { chmod } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NginxCli } from '../../../services/router/nginx.js';
import { renderNginx, type NginxModel } from '../../../services/router/render.js';
import { DEFAULT_MAX_BODY_MB, DEFAULT_MODULES_INCLUDE } from '../../../services/router/config.js';
import { freePort, tempDir } from './helpers.js';

// The git remote's TCP proxy (services/router/stream.ts) in two real nginx
// from the rendered config, as two routers run it in HA: both listen on the
// same port (reuseport) and pass connections to two "builders" (TCP servers
// that greet with their name, as sshd greets with its banner): the first
// while it answers, the second when the first refuses; with one nginx gone,
// the other takes every connection. Needs Debian's libnginx-mod-stream.

/** A TCP server that writes `name\n` to each connection and closes it. */
async function builder(name: string, port: number): Promise<Server> {
  const server = createServer((s) => s.end(`${name}\n`));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** The first line a connection to the port reads (or the error). */
function greeting(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let text = '';
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    s.on('data', (d) => (text += d.toString()));
    s.on('end', () => resolve(text.trim()));
    s.on('error', (err) => resolve(`error: ${err.message}`));
  });
}

const close = (s: Server | undefined) => new Promise<void>((r) => (s ? s.close(() => r()) : r()));

describe('the SSH proxy in two routers’ nginx', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const nginx: NginxCli[] = [];
  let sshPort: number;
  let ports: number[];
  let b1: Server | undefined;
  let b2: Server | undefined;

  beforeAll(async () => {
    tmp = await tempDir('router-ssh');
    await chmod(tmp.dir, 0o755);
    sshPort = await freePort();
    ports = [await freePort(), await freePort()];
    for (const i of [1, 2]) {
      const model: NginxModel = {
        apps: [],
        domain: 'paas.test',
        listen: '127.0.0.1',
        httpPort: await freePort(),
        controlPort: await freePort(),
        dir: `${tmp.dir}/nginx-${i}`,
        modulesInclude: DEFAULT_MODULES_INCLUDE,
        maxBodyMb: DEFAULT_MAX_BODY_MB,
        workers: 1,
        ssh: { listen: '127.0.0.1', port: sshPort, upstreams: ports.map((p) => `127.0.0.1:${p}`) },
      };
      const cli = new NginxCli('nginx', model.dir);
      await cli.install(renderNginx(model).config);
      await cli.start();
      nginx.push(cli);
    }
  });

  afterAll(async () => {
    for (const n of nginx) await n.stop().catch(() => undefined);
    await close(b1);
    await close(b2);
    await tmp?.remove();
  });

  it('sends every connection to the first builder while it answers', async () => {
    b1 = await builder('builder-1', ports[0] as number);
    b2 = await builder('builder-2', ports[1] as number);
    const seen = await Promise.all(Array.from({ length: 8 }, () => greeting(sshPort)));
    expect(new Set(seen)).toEqual(new Set(['builder-1']));
  });

  it('passes to the second builder when the first refuses the connection', async () => {
    await close(b1);
    b1 = undefined;
    const seen = await Promise.all(Array.from({ length: 8 }, () => greeting(sshPort)));
    expect(new Set(seen)).toEqual(new Set(['builder-2']));
  });

  it('keeps the port with one of the two nginx gone', async () => {
    await nginx[0]?.stop();
    const seen = await Promise.all(Array.from({ length: 8 }, () => greeting(sshPort)));
    expect(new Set(seen)).toEqual(new Set(['builder-2']));
  });

  it('says so (a closed connection) when no builder answers', async () => {
    await close(b2);
    b2 = undefined;
    const seen = await greeting(sshPort);
    expect(seen).not.toMatch(/builder/);
  });
});
