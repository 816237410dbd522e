import type { WebSocket, RawData } from 'ws';
import { openFirst, sameOnEach, UpgradeRefused } from '../../../services/core/apiurls.js';
import type { Ctx } from '../../context.js';
import type { RunDynoView } from '../../../services/core/api.js';
import { exitOf, resizeFrame } from './format.js';

// How `paas run` joins a one-off dyno: through the controller's websocket
// (attach_url), a raw terminal when stdin and stdout are terminals, else
// stdin piped (its end sent as stdin_eof). Binary frames carry a channel
// byte: 0 stdin, 1 stdout, 2 stderr; a text frame {"exit": N} ends it.

/** The terminal and streams a one-off is joined to (processIo: this process's). */
export interface RunIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: NodeJS.WritableStream;
  /** Calls back on SIGWINCH; returns the remover. */
  onResize(cb: () => void): () => void;
  /** Calls back on SIGINT; returns the remover. */
  onInterrupt(cb: () => void): () => void;
}

export function processIo(): RunIo {
  const on = (sig: NodeJS.Signals) => (cb: () => void) => {
    process.on(sig, cb);
    return () => void process.off(sig, cb);
  };
  const { stdin, stdout, stderr } = process;
  return { stdin, stdout, stderr, onResize: on('SIGWINCH'), onInterrupt: on('SIGINT') };
}

/**
 * Joins the terminal (or pipes) to the dyno until it exits; its exit code (1 when the connection ends without one).
 * The attach_url names the controller that made the run; any other of `bases` (PAAS_API_URL's) joins it too, and is
 * tried when that one cannot be reached.
 */
export function attach(
  dyno: RunDynoView,
  io: RunIo,
  tty: boolean,
  ctx: Ctx,
  stop: () => Promise<void>,
  bases: readonly string[] = [],
): Promise<number> {
  return new Promise<number>((resolve) => {
    openFirst(sameOnEach(dyno.attach_url as string, bases)).then(
      (ws) => joined(ws.ws, dyno, io, tty, ctx, stop, resolve),
      (err: unknown) => {
        if (err instanceof UpgradeRefused)
          ctx.err(`paas: cannot attach to ${dyno.name} (the API answered ${err.status})`);
        else ctx.err(`paas: lost the connection to ${dyno.name}: ${(err as Error).message}`);
        resolve(1);
      },
    );
  });
}

/** The open websocket (paused: resumed here once handled) joined to the terminal or pipes; resolves the exit code. */
function joined(
  ws: WebSocket,
  dyno: RunDynoView,
  io: RunIo,
  tty: boolean,
  ctx: Ctx,
  stop: () => Promise<void>,
  resolve: (code: number) => void,
): void {
  let exit: number | undefined;
  const undo: (() => void)[] = [];
  let finished = false;
  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    for (const u of undo.splice(0)) u();
    resolve(code);
  };
  const send = (b: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([0]), b]), { binary: true });
  };
  // open: say so, then the terminal (raw, its size) or the interrupt, then stdin
  io.stderr.write(`up, ${dyno.name}\n`);
  if (tty) {
    io.stdin.setRawMode?.(true);
    undo.push(() => void io.stdin.setRawMode?.(false));
    const size = () => ws.readyState === ws.OPEN && ws.send(resizeFrame(io.stdout.columns ?? 80, io.stdout.rows ?? 24));
    size();
    undo.push(io.onResize(size));
  } else {
    // Not a terminal: Ctrl-C here stops the dyno.
    undo.push(
      io.onInterrupt(() => {
        void stop().catch(() => undefined);
        ws.close(1000, 'interrupted');
        finish(130);
      }),
    );
  }
  const onData = (b: Buffer | string) => send(Buffer.isBuffer(b) ? b : Buffer.from(b));
  const onEnd = () => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ stdin_eof: true }));
  io.stdin.on('data', onData);
  io.stdin.on('end', onEnd);
  io.stdin.resume();
  undo.push(() => {
    io.stdin.off('data', onData);
    io.stdin.off('end', onEnd);
    io.stdin.pause();
  });
  ws.on('message', (data: RawData, binary: boolean) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    if (!binary) {
      exit = exitOf(buf.toString('utf8')) ?? exit;
      return;
    }
    if (buf[0] === 2) io.stderr.write(buf.subarray(1));
    else io.stdout.write(buf.subarray(1));
  });
  ws.on('error', (err) => {
    ctx.err(`paas: lost the connection to ${dyno.name}: ${err.message}`);
    finish(1);
  });
  ws.on('close', (code, reason) => {
    if (exit === undefined && !finished)
      ctx.err(`paas: ${dyno.name} ended without an exit code (${reason.toString() || code})`);
    // stdout is flushed before the process exits (main.ts sets exitCode, no process.exit)
    finish(exit ?? 1);
  });
  ws.resume();
}
