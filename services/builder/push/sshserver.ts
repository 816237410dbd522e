import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel, Session } from 'ssh2';
import type { Logger } from '../../core/logger.js';
import { fingerprint as fingerprintOf } from '../../core/sshkeys.js';
import { parseGitCommand } from './commands.js';
import type { Controller, Pusher } from '../controller.js';
import type { Pushes } from './pushes.js';
import { ensureRepo } from './repos.js';
import { alignDeployRefs } from './refsync.js';

const { Server, utils } = ssh2;

// git over ssh: public-key auth checked with the controller, then only
// `git-receive-pack '<app>.git'`, run as the real git receive-pack.

export interface SshServerDeps {
  controller: Controller;
  pushes: Pushes;
  logger: Logger;
  hostKey: Buffer;
  reposDir: string;
  nodePath: string;
  hookScript: string;
  socketPath: string;
}

/** How long the ssh server tries again to listen on a port in use, and how often. */
const LISTEN_WAIT_MS = 30_000;
const LISTEN_RETRY_MS = 500;

export interface RunningSshServer {
  port: number;
  close(): Promise<void>;
}

export function readHostKey(path: string): Buffer {
  return readFileSync(path);
}

export async function startSshServer(
  deps: SshServerDeps,
  listen: { host: string; port: number },
): Promise<RunningSshServer> {
  const log = deps.logger.child({ module: 'ssh' });
  const server = new Server({ hostKeys: [deps.hostKey], ident: 'paas-builder' }, (client) =>
    handleClient(client, deps, log),
  );
  // The port may still be the proxy's for a few seconds (scripts/up leaving HA: the routers' nginx reloads without it).
  for (let waited = 0; ; waited += LISTEN_RETRY_MS) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listen.port, listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || waited >= LISTEN_WAIT_MS) throw err;
      if (waited === 0) log.warn({ port: listen.port }, 'ssh port in use; trying again');
      await new Promise((r) => setTimeout(r, LISTEN_RETRY_MS));
    }
  }
  server.on('error', (err: Error) => log.error({ err }, 'ssh server error'));
  const port = (server.address() as AddressInfo).port;
  log.info({ host: listen.host, port }, 'ssh listening');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function handleClient(client: Connection, deps: SshServerDeps, log: Logger): void {
  let pusher: { fingerprint: string; user: Pusher } | undefined;
  // One lookup per key and connection: the "query" step and the signed step ask about the same key.
  const lookups = new Map<string, Promise<Pusher | undefined>>();
  const lookup = (fp: string) => {
    let p = lookups.get(fp);
    if (!p) {
      p = deps.controller.authorize(fp).then(
        (r) => (r.ok ? r.user : undefined),
        (err: unknown) => {
          log.error({ err }, 'authorize failed');
          return undefined;
        },
      );
      lookups.set(fp, p);
    }
    return p;
  };

  client.on('error', (err) => log.debug({ err }, 'client error'));
  client.on('authentication', (ctx) => {
    if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
    const key = utils.parseKey(ctx.key.data);
    if (key instanceof Error || Array.isArray(key)) return ctx.reject(['publickey']);
    const fp = fingerprintOf(ctx.key.data);
    void lookup(fp).then((user) => {
      if (!user) {
        log.info({ fingerprint: fp }, 'unknown key refused');
        return ctx.reject(['publickey']);
      }
      if (!ctx.signature) return ctx.accept(); // the "query" step: this key would do; the client signs next
      if (!ctx.blob || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      pusher = { fingerprint: fp, user }; // only a verified signature identifies the pusher
      ctx.accept();
    });
  });

  client.on('ready', () => {
    client.on('session', (accept) => {
      const session = accept();
      if (pusher) handleSession(session, pusher, deps, log.child({ user: pusher.user.id }));
    });
  });
}

const refuse = (channel: ServerChannel, message: string) => {
  channel.stderr.write(` !     ${message}\n`);
  channel.exit(1);
  channel.end();
};

function handleSession(
  session: Session,
  pusher: { fingerprint: string; user: Pusher },
  deps: SshServerDeps,
  log: Logger,
): void {
  session.on('pty', (accept) => accept?.());
  session.on('shell', (accept) => refuse(accept(), 'Interactive shells are not supported; use git push'));
  session.on('subsystem', (accept, _reject, info) =>
    refuse(accept(), `Subsystem ${JSON.stringify(info.name)} is not supported; use git push`),
  );
  session.on('exec', (accept, _reject, info) => {
    const channel = accept();
    const cmd = parseGitCommand(info.command);
    if (!cmd.ok) return refuse(channel, cmd.message);
    void runReceivePack(channel, cmd.app, pusher, deps, log.child({ app: cmd.app })).catch((err: unknown) => {
      log.error({ err }, 'push failed');
      refuse(channel, 'Internal error; try again later');
    });
  });
}

async function runReceivePack(
  channel: ServerChannel,
  app: string,
  pusher: { fingerprint: string; user: Pusher },
  deps: SshServerDeps,
  log: Logger,
): Promise<void> {
  const auth = await deps.controller.authorize(pusher.fingerprint, app);
  if (!auth.ok) return refuse(channel, auth.status === 404 ? 'App not found' : `You do not have access to ${app}`);
  const repo = await ensureRepo({ reposDir: deps.reposDir, app, nodePath: deps.nodePath, hookScript: deps.hookScript });
  // Another builder may have taken the app's later pushes (HA): the refs follow the commit the app runs (refsync.ts).
  const commit = await deps.controller.getApp(app).then(
    (info) => info.release?.commit,
    (err: unknown) => {
      log.warn({ err }, 'cannot read the app to align its refs; the repo is advertised as it is');
      return undefined;
    },
  );
  const aligned = await alignDeployRefs(repo, commit);
  if (aligned.length > 0) log.info({ aligned, commit }, 'deploy refs aligned with the latest release');
  const push = deps.pushes.open(app, auth.user);
  log.info({ repo }, 'receive-pack');
  // A small, explicit environment: the builder's own (with its secrets) is not passed on.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: repo,
    LANG: 'C.UTF-8',
    PAAS_BUILDER_SOCKET: deps.socketPath,
    PAAS_PUSH_TOKEN: push.token,
  };
  const child = spawn('git', ['receive-pack', repo], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  child.stdin.on('error', () => undefined); // the client may hang up early
  channel.on('close', () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  const code = await new Promise<number>((resolve) => {
    child.on('error', (err) => {
      log.error({ err }, 'spawn git receive-pack');
      resolve(1);
    });
    child.on('close', (c) => resolve(c ?? 1));
  });
  deps.pushes.close(push.token);
  log.info({ code }, 'receive-pack done');
  channel.exit(code);
  channel.end();
}
