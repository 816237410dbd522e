import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { PaasError, statusOf } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { RunRequest } from '../../core/runs.js';
import type { Store } from '../../core/store.js';
import { authenticateInternal } from '../auth.js';
import type { AccessGuard, Grant } from '../access/guard.js';
import { isUnreachable, UpgradeRefused } from '../../core/apiurls.js';
import type { PeerRegistry } from '../peers/registry.js';
import { PEER_HEADER, PEER_USER_PATH, RendezvousClaims, splice, type RendezvousHolder } from './relay.js';

// The rendezvous of `paas run` (Heroku's design): the agent running an
// attached one-off opens GET /internal/rendezvous/<app>/<name> (internal
// token) before it starts the container; the user opens the attach_url
// (/apps/<app>/dynos/<name>/attach?token=<one-time secret>). Frames are
// relayed as they are both ways; what arrives before the other side has
// connected is kept (bounded: past it the sender is paused). When both are
// there the agent is told {"attached": true} and starts the container.
// Frames: binary, first byte the channel (0 stdin, 1 stdout, 2 stderr, as
// Kubernetes' exec); text, JSON control ({"resize"}, {"stdin_eof"}, {"exit"}).
// With several controllers the pair lives on the one the first side reached;
// the other side is relayed there (relay.ts).

export interface RendezvousOptions {
  store: Store;
  internalToken: string;
  log: Logger;
  /** How long one side waits for the other (default 120 s: the scheduler may wait for an image). */
  waitMs?: number;
  /** Bytes kept for a side that is not there yet, or not reading, before the sender is paused (default 1 MiB). */
  maxBuffered?: number;
  /** Closes the user's side (and so stops the dyno) when they lose access to the app (access/guard.ts). */
  access?: Pick<AccessGuard, 'allowed' | 'watch'>;
  /** The other controllers (peers/registry.ts): a side whose rendezvous another holds is relayed there (relay.ts). */
  peers?: PeerRegistry;
}

type Side = 'agent' | 'user';
interface Frame {
  data: RawData | string;
  binary: boolean;
}
interface Pair {
  agent?: WebSocket;
  user?: WebSocket;
  /** A user has attached once: the secret is one-time. */
  userCame: boolean;
  queued: Record<Side, Frame[]>;
  queuedBytes: Record<Side, number>;
  /** The agent closed (the dyno ended): the user gets what is queued, then the close. */
  agentDone?: { code: number; reason: string };
  timer?: NodeJS.Timeout;
  /** Who may attach (the run's creator with the API token they asked with), and the watch on it. */
  grant?: Grant;
  unguard?: () => void;
}

const AGENT_PATH = /^\/internal\/rendezvous\/([a-z0-9-]{1,64})\/(run\.\d{1,6})$/;
const USER_PATH = /^\/apps\/([a-z0-9-]{1,64})\/dynos\/(run\.\d{1,6})\/attach$/;
const other = (s: Side): Side => (s === 'agent' ? 'user' : 'agent');
const size = (d: RawData | string) =>
  typeof d === 'string'
    ? Buffer.byteLength(d)
    : Array.isArray(d)
      ? d.reduce((n, b) => n + b.length, 0)
      : (d as Buffer).byteLength;

export class Rendezvous {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  private readonly pairs = new Map<string, Pair>();
  private readonly waitMs: number;
  private readonly maxBuffered: number;
  private readonly claims: RendezvousClaims | undefined;

  constructor(private readonly o: RendezvousOptions) {
    this.waitMs = o.waitMs ?? 120_000;
    this.maxBuffered = o.maxBuffered ?? 1024 * 1024;
    this.claims = o.peers && new RendezvousClaims(o.store, o.peers, o.internalToken);
  }

  /** Takes the upgrade requests of its paths; returns false for any other (left to others). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    const agent = AGENT_PATH.exec(url.pathname);
    const peerUser = agent ? undefined : PEER_USER_PATH.exec(url.pathname);
    const user = agent || peerUser ? undefined : USER_PATH.exec(url.pathname);
    const m = agent ?? peerUser ?? user;
    if (!m) return false;
    const side: Side = agent ? 'agent' : 'user';
    const [app, name] = [m[1] as string, m[2] as string];
    const key = `${app}/${name}`;
    // relayed by a peer (relay.ts): it checked the side; joined here, the holder
    const relayed = Boolean(peerUser) || Boolean(agent && req.headers[PEER_HEADER] !== undefined);
    void (async () => {
      const grant = relayed
        ? authenticateInternal(this.o.internalToken, req.headers.authorization)
        : await this.admit(side, app, name, req, url);
      const holder = relayed || !this.claims ? undefined : await this.claims.claim(app, name);
      if (!holder || this.claims?.isSelf(holder)) {
        if (side === 'user' && this.pairs.get(key)?.userCame)
          throw new PaasError('conflict', `${name} is attached already`);
        return this.wss.handleUpgrade(req, socket, head, (ws) => this.join(side, key, ws, grant ?? undefined));
      }
      await this.relayTo(side, app, name, holder, grant ?? undefined, req, socket, head);
    })().catch((err: unknown) => {
      if (err instanceof UpgradeRefused) return refuseRaw(socket, err.status, err.body);
      refuse(
        socket,
        err instanceof PaasError
          ? err
          : isUnreachable(err)
            ? new PaasError('unavailable', `The controller holding ${name}'s session cannot be reached; try again`)
            : new PaasError('internal', 'Internal server error'),
        this.o.log,
        err,
      );
    });
    return true;
  }

  /** The side to the holder (another controller), once the holder took it; the user's access watched here. */
  private async relayTo(
    side: Side,
    app: string,
    name: string,
    holder: RendezvousHolder,
    grant: Grant | undefined,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    const far = await (this.claims as RendezvousClaims).open(holder, side, app, name);
    const log = this.o.log.child({ run: `${app}/${name}`, side, holder: holder.id });
    this.wss.handleUpgrade(req, socket, head, (near) => {
      log.info('rendezvous side relayed to its holder');
      splice(near, far, this.maxBuffered, log);
      if (side === 'user' && grant && this.o.access) {
        const unguard = this.o.access.watch(grant, () => near.close(1008, 'access to the app ended'));
        near.on('close', unguard);
      }
    });
  }

  /** Attaches to every server the app listens with (express's app.listen). */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!this.handleUpgrade(req, socket, head))
        refuse(socket, new PaasError('not_found', `No route for GET ${(req.url ?? '').split('?')[0]}`), this.o.log);
    });
  }

  /** Checks a side that reached this controller first-hand; the user's grant (who may attach), if any. */
  private async admit(side: Side, app: string, name: string, req: IncomingMessage, url: URL): Promise<Grant | void> {
    if (side === 'agent') return authenticateInternal(this.o.internalToken, req.headers.authorization);
    const token = url.searchParams.get('token') ?? '';
    const run = await this.o.store.get<RunRequest>(this.o.store.keys.run(app, name));
    if (!run?.tokenHash || !token || !sameHash(token, run.tokenHash))
      throw new PaasError('not_found', `Couldn't find that dyno (${name}).`);
    if (this.pairs.get(`${app}/${name}`)?.userCame) throw new PaasError('conflict', `${name} is attached already`);
    if (run.apiTokenHash) {
      const grant: Grant = { app, userId: run.createdBy, tokenHash: run.apiTokenHash };
      if (this.o.access && !(await this.o.access.allowed(grant)))
        throw new PaasError('not_found', `Couldn't find that dyno (${name}).`);
      return grant;
    }
  }

  private pair(key: string): Pair {
    let p = this.pairs.get(key);
    if (!p) {
      p = { userCame: false, queued: { agent: [], user: [] }, queuedBytes: { agent: 0, user: 0 } };
      this.pairs.set(key, p);
    }
    return p;
  }

  private join(side: Side, key: string, ws: WebSocket, grant?: Grant): void {
    const p = this.pair(key);
    if (side === 'user') {
      if (p.userCame) return ws.close(4409, 'attached already');
      p.userCame = true;
      if (grant) p.grant = grant;
      if (p.grant && this.o.access)
        p.unguard = this.o.access.watch(p.grant, () => ws.close(1008, 'access to the app ended'));
    } else p.agent?.close(4409, 'replaced');
    p[side] = ws;
    const log = this.o.log.child({ run: key, side });
    log.info('rendezvous side connected');
    ws.on('message', (data, binary) => this.relay(p, side, { data, binary }));
    ws.on('close', (code, reason) => this.left(key, p, side, ws, code, reason.toString()));
    ws.on('error', (err) => log.warn({ err }, 'rendezvous socket error'));
    // What waited for this side.
    for (const f of p.queued[side].splice(0)) ws.send(f.data, { binary: f.binary });
    p.queuedBytes[side] = 0;
    p[other(side)]?.resume();
    if (side === 'user' && p.agentDone) return ws.close(p.agentDone.code, p.agentDone.reason);
    if (p.agent && p.user) {
      if (p.timer) clearTimeout(p.timer);
      p.timer = undefined;
      p.agent.send(JSON.stringify({ attached: true }));
    } else this.wait(key, p);
  }

  /** One side alone: the other has waitMs to come. */
  private wait(key: string, p: Pair): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      this.o.log.warn({ run: key }, 'rendezvous timed out');
      p.agent?.close(4408, 'no user attached in time');
      p.user?.close(4408, 'the dyno did not start in time');
      this.end(key);
    }, this.waitMs);
    p.timer.unref();
  }

  private relay(p: Pair, from: Side, f: Frame): void {
    const to = other(from);
    const ws = p[to];
    const sender = p[from];
    if (ws && ws.readyState === ws.OPEN) {
      ws.send(f.data, { binary: f.binary });
      if (ws.bufferedAmount > this.maxBuffered && sender) this.throttle(sender, ws);
      return;
    }
    if (to === 'user' && p.userCame) return; // the user has left: nothing to keep
    p.queued[to].push(f);
    p.queuedBytes[to] += size(f.data);
    if (p.queuedBytes[to] > this.maxBuffered) sender?.pause(); // resumed when the other side joins
  }

  /** The receiver is not keeping up: pause the sender until its buffer drains. */
  private throttle(sender: WebSocket, receiver: WebSocket): void {
    sender.pause();
    const t = setInterval(() => {
      if (receiver.readyState !== receiver.OPEN || receiver.bufferedAmount < this.maxBuffered / 2) {
        clearInterval(t);
        sender.resume();
      }
    }, 20);
  }

  private left(key: string, p: Pair, side: Side, ws: WebSocket, code: number, reason: string): void {
    if (p[side] !== ws) return;
    p[side] = undefined;
    if (side === 'user') p.unguard?.();
    if (side === 'agent') {
      // The dyno ended (its exit frame came first) or the agent went away.
      const c = code === 1000 ? 1000 : 4500;
      const why = code === 1000 ? 'dyno exited' : reason || 'the dyno went away';
      if (p.user) p.user.close(c, why);
      else if (!p.userCame) {
        p.agentDone = { code: c, reason: why };
        return this.wait(key, p); // the user may still come for the output
      }
    } else p.agent?.close(1000, 'user detached'); // the agent stops the dyno
    if (p.timer) clearTimeout(p.timer);
    this.end(key);
  }

  /** The pair is over: forgotten, and its claim (several controllers) removed. */
  private end(key: string): void {
    this.pairs.delete(key);
    const [app, name] = key.split('/') as [string, string];
    this.claims
      ?.release(app, name)
      .catch((err: unknown) => this.o.log.warn({ err, run: key }, 'cannot remove the rendezvous claim'));
  }
}

function sameHash(token: string, hash: string): boolean {
  const a = Buffer.from(createHash('sha256').update(token, 'utf8').digest('hex'));
  const b = Buffer.from(hash);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The holder's refusal, as it answered, on the raw socket of a relayed side's upgrade. */
function refuseRaw(socket: Duplex, status: number, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** An HTTP answer on the raw socket of a refused upgrade: the API's {id, message}. */
function refuse(socket: Duplex, e: PaasError, log: Logger, cause?: unknown): void {
  if (e.code === 'internal') log.error({ err: cause }, 'rendezvous upgrade failed');
  const body = JSON.stringify({ id: e.code, message: e.message });
  const status = statusOf[e.code];
  socket.end(
    `HTTP/1.1 ${status} ${e.code}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** Makes app.listen's servers take the rendezvous' upgrades (tests and start.ts listen through it). */
export function withRendezvous<T extends { listen: (...args: never[]) => Server }>(app: T, rendezvous: Rendezvous): T {
  const listen = app.listen.bind(app) as (...args: unknown[]) => Server;
  (app as unknown as { listen: (...args: unknown[]) => Server }).listen = (...args: unknown[]) => {
    const server = listen(...args);
    rendezvous.attach(server);
    return server;
  };
  return app;
}
