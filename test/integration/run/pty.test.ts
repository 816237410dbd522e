import { spawn, type IPty } from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../support/run.js';
import { waitFor } from '../agent/support.js';
import { startRunPlatform, type RunPlatform } from './harness.js';

// `paas run` through a real pseudo-terminal (node-pty) running the built CLI:
// the remote process has a terminal of the pty's size, follows a resize,
// gets Ctrl-C as SIGINT and Ctrl-D as end of input, and its exit code is paas's.

let p: RunPlatform;

interface Session {
  pty: IPty;
  output(): string;
  exited: Promise<number>;
}

function paasPty(args: string[], cols = 100, rows = 30): Session {
  const pty = spawn(process.execPath, [CLI, ...args], { name: 'xterm', cols, rows, cwd: p.home, env: p.env });
  let out = '';
  pty.onData((d) => (out += d));
  const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  return { pty, output: () => out, exited };
}

const seen = (s: Session, text: string | RegExp) =>
  waitFor(
    `output ${String(text)}`,
    async () => (typeof text === 'string' ? s.output().includes(text) : text.test(s.output())) || undefined,
    30_000,
  );

beforeAll(async () => {
  p = await startRunPlatform('runpty');
});

afterAll(async () => {
  await p?.close();
});

describe('paas run in a terminal', () => {
  it('gives the remote process a terminal of the local size and exits with its code', async () => {
    const s = paasPty(
      ['run', '-a', p.app, '--', 'sh', '-c', 'test -t 0 && test -t 1 && echo is-a-tty; stty size; exit 3'],
      101,
      33,
    );
    expect(await s.exited).toBe(3);
    expect(s.output()).toContain('is-a-tty');
    expect(s.output()).toContain('33 101');
    expect(s.output()).toMatch(/Running sh -c .* up, run\.\d{4}/);
  });

  it('follows a resize (SIGWINCH -> resize frame -> the remote size)', async () => {
    const s = paasPty(['run', '-a', p.app, '--', 'bash', '-c', 'stty size; read x; stty size; exit 0'], 80, 24);
    await seen(s, '24 80');
    s.pty.resize(120, 40);
    await new Promise((r) => setTimeout(r, 500));
    s.pty.write('go\r');
    expect(await s.exited).toBe(0);
    expect(s.output()).toContain('40 120');
  });

  it('delivers Ctrl-C to the remote process (sleep interrupted: 130)', async () => {
    const s = paasPty(['run', '-a', p.app, '--', 'sh', '-c', 'echo ready; exec sleep 100']);
    await seen(s, /up, run\.\d+\r?\n[\s\S]*ready/);
    await new Promise((r) => setTimeout(r, 300));
    const t = Date.now();
    s.pty.write('\x03');
    expect(await s.exited, s.output()).toBe(130);
    expect(Date.now() - t).toBeLessThan(10_000);
  });

  it('delivers Ctrl-D as end of input to a remote cat', async () => {
    const s = paasPty(['run', '-a', p.app, '--', 'sh', '-c', 'echo ready; cat; echo cat-ended']);
    await seen(s, /up, run\.\d+\r?\n[\s\S]*ready/);
    s.pty.write('typed\r');
    await seen(s, /typed[\s\S]*typed/); // the remote echo, then cat's copy
    s.pty.write('\x04');
    expect(await s.exited).toBe(0);
    expect(s.output()).toContain('cat-ended');
  });
});
