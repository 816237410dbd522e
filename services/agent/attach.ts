import { apiUrls } from '../core/apiurls.js';
import type { Duplex } from 'node:stream';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { WebSocket, type RawData } from 'ws';
import { dynoName } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { Assignment } from '../core/types.js';

// The agent's end of `paas run`'s rendezvous (controller/runs/rendezvous.ts).
// For an attached one-off it opens the controller's websocket and attaches to
// the created container (stdin, stdout, stderr over one hijacked connection)
// BEFORE starting it, so no output is lost; it starts the container once the
// controller says the user is there ({"attached": true}), then pipes:
// container output -> binary frames (channel byte 1 stdout, 2 stderr; a TTY
// has one stream, 1), channel 0 frames -> the container's stdin; JSON text
// frames: {"resize": {cols, rows}} -> container.resize, {"stdin_eof": true}
// -> half-close (StdinOnce: Docker closes the process's stdin). When the
// output stream ends it sends {"exit": code} and closes. The websocket closing
// first (the user left) stops the container.

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2 } as const;

/** What the container spec of an attached one-off adds (docker create). */
export function attachSpec(
  a: Pick<Assignment, 'attach'> & Partial<Pick<Assignment, 'command'>>,
): Record<string, boolean | string[]> {
  if (!a.attach) return {};
  return {
    Tty: a.attach.tty,
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    ...(a.attach.tty && { Cmd: [...TTY_WAIT, a.command ?? ''] }),
  };
}

/**
 * A terminal's size can only be set once the container runs (Docker API 1.41
 * has no initial console size), so an attached TTY one-off waits up to 1 s for
 * the agent's resize before its command starts: `stty size` is right at once.
 */
const TTY_WAIT = [
  '/bin/sh',
  '-c',
  'n=0; while [ "$(stty size 2>/dev/null)" = "0 0" ] && [ $n -lt 100 ]; do sleep 0.01; n=$((n+1)); done; exec /usr/local/bin/paas-launch "$1"',
  'paas-launch',
];

/** A control frame from the user, parsed; undefined for anything else. */
export function parseControl(
  text: string,
): { resize?: { cols: number; rows: number }; stdinEof?: true; attached?: true } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (o.attached === true) return { attached: true };
  if (o.stdin_eof === true) return { stdinEof: true };
  const r = o.resize as Record<string, unknown> | undefined;
  const dim = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 10_000;
  if (r && dim(r.cols) && dim(r.rows)) return { resize: { cols: r.cols as number, rows: r.rows as number } };
  return undefined;
}

export interface AttacherOptions {
  docker: Docker;
  /** The controller (PAAS_API_URL) and the internal token. */
  apiUrl: string;
  internalToken: string;
  log: Logger;
  /** Seconds between SIGTERM and SIGKILL when the user leaves. */
  stopGraceSeconds: number;
  /** Shapes the one-off's interface to its size's rates once it starts (isolation/bandwidth.ts). */
  bandwidth?: { apply(id: string): Promise<unknown> };
}

export class Attacher {
  private readonly pending = new Set<string>();

  constructor(private readonly o: AttacherOptions) {}

  /** Between create and start: the agent's loop leaves the container alone. */
  isPending(assignmentId: string): boolean {
    return this.pending.has(assignmentId);
  }

  /**
   * Connects, attaches, and starts the container once the user is there; `started` is called when it runs (or could not
   * be started).
   */
  begin(a: Assignment, containerId: string, started: () => void): void {
    this.pending.add(a.id);
    const log = this.o.log.child({ assignment: a.id });
    void this.session(a, containerId, log)
      .catch((err: unknown) => log.error({ err }, 'attached one-off failed'))
      .finally(() => {
        this.pending.delete(a.id);
        started();
      });
  }

  /** Resolves once the container has been started (the piping goes on). */
  private async session(a: Assignment, containerId: string, log: Logger): Promise<void> {
    const container = this.o.docker.getContainer(containerId);
    const path = `/internal/rendezvous/${encodeURIComponent(a.app)}/${dynoName(a.type, a.index)}`;
    // Attached first, then the websocket, whose handlers are set before it can bring the go.
    const stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as unknown as Duplex;
    stream.on('error', (err) => log.warn({ err }, 'attach stream error'));
    // the first controller of PAAS_API_URL that takes it, opened paused (resumed once handled: core/apiurls.ts); none:
    // a socket to the first, whose failure runs the one-off detached
    const urls = apiUrls(this.o.apiUrl);
    const headers = { authorization: `Bearer ${this.o.internalToken}` };
    const ws = await urls.openWebSocket(path, { headers }).catch((err: unknown) => {
      log.warn({ err }, 'no controller takes the rendezvous');
      return new WebSocket(`${urls.pick().replace(/^http/, 'ws')}${path}`, { headers });
    });
    const send = (channel: number) => (b: Buffer) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), b]), { binary: true });
    };
    if (a.attach?.tty) stream.on('data', send(CHANNEL.stdout));
    else this.o.docker.modem.demuxStream(stream, sink(send(CHANNEL.stdout)), sink(send(CHANNEL.stderr)));

    let running = false;
    let exited = false;
    let size: { cols: number; rows: number } | undefined;
    const early: (Buffer | undefined)[] = []; // stdin (undefined: its end) that came before the start
    const resize = () => {
      if (running && size && a.attach?.tty)
        container.resize({ h: size.rows, w: size.cols }).catch((err: unknown) => log.debug({ err }, 'resize failed'));
    };
    let start!: () => void;
    const go = new Promise<void>((resolve) => (start = resolve));
    ws.on('message', (data: RawData, binary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      if (binary) {
        if (buf[0] !== CHANNEL.stdin || buf.length < 2) return;
        if (running && stream.writable) stream.write(buf.subarray(1));
        else early.push(buf.subarray(1)); // written once it runs: a terminal's input before the start is lost
        return;
      }
      const c = parseControl(buf.toString('utf8'));
      if (c?.attached) start();
      else if (c?.stdinEof) {
        if (running) stream.end();
        else early.push(undefined);
      } else if (c?.resize) {
        size = c.resize;
        resize();
      }
    });
    ws.on('close', () => {
      start(); // no user came in time: it runs with its output in the logs
      if (running && !exited) {
        log.info('user detached: stopping the one-off');
        container.stop({ t: this.o.stopGraceSeconds }).catch(() => undefined);
      }
    });
    ws.on('error', (err) => log.warn({ err }, 'rendezvous socket error; running detached'));
    ws.resume();
    // Asked right after start (not-running): it answers at the exit, before the container can be removed.
    let exitCode: Promise<number> = Promise.resolve(1);
    stream.on('end', () => {
      exited = true;
      void exitCode.then((code) => {
        if (ws.readyState === ws.OPEN) {
          ws.send(JSON.stringify({ exit: code }));
          ws.close(1000, 'dyno exited');
        }
      });
    });
    await go;
    if (ws.readyState !== ws.OPEN) stream.end();
    await container.start();
    exitCode = container
      .wait()
      .then((r: { StatusCode?: number }) => r.StatusCode ?? 1)
      .catch(() => 1);
    running = true;
    resize();
    for (const b of early.splice(0)) {
      if (b) stream.write(b);
      else stream.end();
    }
    log.info('attached one-off started');
    // Shaped once it runs (the exit code is already being waited for: a quick command may end meanwhile).
    await this.o.bandwidth?.apply(container.id).catch(async (err: unknown) => {
      if (exited) return;
      log.error({ err }, "cannot limit the one-off's bandwidth: stopping it");
      await container.stop({ t: 0 }).catch(() => undefined);
    });
  }
}

function sink(write: (b: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      write(chunk);
      cb();
    },
  });
}
