import { CommanderError, type Command } from 'commander';
import { WebSocket, type RawData } from 'ws';
import { apiClient, appPath } from '../../api.js';
import { CliError, type Ctx } from '../../context.js';
import { resolveApp } from '../../git.js';
import { commandLine, exitOf, parseEnvFlag, resizeFrame } from './format.js';

// paas run, ps:stop. `run` asks the API for a one-off dyno and attaches to it
// through the controller's websocket (attach_url): a raw terminal when stdin
// and stdout are terminals, else stdin piped (its end sent as stdin_eof).
// Binary frames carry a channel byte: 0 stdin, 1 stdout, 2 stderr. The
// remote exit code is paas's.

export interface RunDyno {
  id: string;
  name: string;
  command: string;
  attach_url: string | null;
  state: string;
  size: string;
}

/** The process's terminal and streams; tests of the CLI in-process give their own. */
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
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, onResize: on('SIGWINCH'), onInterrupt: on('SIGINT') };
}

const APP_OPTION = ['-a, --app <app>', 'app to run the command against'] as const;

interface RunOpts {
  app?: string;
  size?: string;
  detach?: boolean;
  env?: string;
  tty?: boolean;
}

export function registerRun(program: Command, ctx: Ctx, io: () => RunIo = processIo): void {
  program
    .command('run')
    .argument('<command...>', 'the command to run (after --, to pass options to it)')
    .description('run a one-off dyno of the current release, attached to your terminal; its exit code is paas\'s')
    .option(...APP_OPTION)
    .option('-s, --size <size>', 'dyno size (ps:sizes)')
    .option('-d, --detach', 'run in the background: its output goes to the logs')
    .option('-e, --env <vars>', 'environment variables for this dyno: "KEY=value;KEY2=value2"')
    .option('--no-tty', 'no terminal even when stdin and stdout are terminals')
    .option('-x, --exit-code', 'exit with the remote command\'s exit code (always on)')
    .allowUnknownOption()
    .addHelpText('after', '\nExample:\n  $ paas run -a my-app -- bash\n  Running bash on my-app... up, run.4821\n  $ echo hello | paas run cat\n  $ paas run console\n  $ paas run --detach -s standard-2x -- node scripts/backfill.js\n  Running node scripts/backfill.js on my-app... up, run.2077')
    .action(async (words: string[], opts: RunOpts) => {
      const command = commandLine(words);
      const env = parseEnvFlag(opts.env);
      const app = await resolveApp(ctx.cwd, opts.app);
      const client = await apiClient(ctx);
      const streams = io();
      const tty = opts.tty !== false && !opts.detach && streams.stdin.isTTY === true && streams.stdout.isTTY === true;
      streams.stderr.write(`Running ${command} on ${app}... `);
      const dyno = await client
        .post<RunDyno>(appPath(app, '/dynos'), { command, attach: !opts.detach, ...(opts.size && { size: opts.size }), ...(Object.keys(env).length > 0 && { env }), force_no_tty: !tty })
        .catch((err: unknown) => {
          streams.stderr.write('failed\n');
          throw err;
        });
      if (opts.detach || !dyno.attach_url) {
        streams.stderr.write(`up, ${dyno.name}\nRun paas logs -a ${app} --ps ${dyno.name} to view the output.\n`);
        return;
      }
      const code = await attach(dyno, streams, tty, ctx, () => client.request('POST', appPath(app, `/dynos/${encodeURIComponent(dyno.name)}/actions/stop`)).then(() => undefined));
      if (code !== 0) throw new CommanderError(code, 'paas.run.exit', '');
    });

  program
    .command('ps:stop <dyno>')
    .alias('stop')
    .description('stop a one-off dyno (run.1234): its container is stopped and removed; another dyno (web.1) is restarted')
    .option(...APP_OPTION)
    .addHelpText('after', '\nExample:\n  $ paas ps:stop run.4821 -a my-app\n  Stopping run.4821 dyno on my-app... done')
    .action(async (dyno: string, opts: { app?: string }) => {
      const app = await resolveApp(ctx.cwd, opts.app);
      await (await apiClient(ctx)).request('POST', appPath(app, `/dynos/${encodeURIComponent(dyno)}/actions/stop`));
      ctx.out(`Stopping ${dyno} dyno on ${app}... done`);
    });
}

/** Joins the terminal (or pipes) to the dyno until it exits; its exit code (1 when the connection ends without one). */
function attach(dyno: RunDyno, io: RunIo, tty: boolean, ctx: Ctx, stop: () => Promise<void>): Promise<number> {
  return new Promise<number>((resolve) => {
    const ws = new WebSocket(dyno.attach_url as string);
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
    ws.on('open', () => {
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
    ws.on('unexpected-response', (_req, res) => {
      ctx.err(`paas: cannot attach to ${dyno.name} (the API answered ${res.statusCode})`);
      finish(1);
    });
    ws.on('error', (err) => {
      ctx.err(`paas: lost the connection to ${dyno.name}: ${err.message}`);
      finish(1);
    });
    ws.on('close', (code, reason) => {
      if (exit === undefined && !finished) ctx.err(`paas: ${dyno.name} ended without an exit code (${reason.toString() || code})`);
      // stdout is flushed before the process exits (main.ts sets exitCode, no process.exit)
      finish(exit ?? 1);
    });
  });
}
