#!/usr/bin/env node
import { homedir } from 'node:os';
import { createInterface, type Interface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { CliError } from './context.js';
import { run } from './program.js';

// The `paas` binary: the real process's environment, streams and fetch.

/** The lines of stdin when it is not a terminal, read through one interface so that no buffered line is lost. */
let piped: { rl: Interface; lines: AsyncIterator<string> } | undefined;

async function readLine(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    if (prompt) process.stderr.write(prompt);
    if (!piped) {
      const rl = createInterface({ input: process.stdin, terminal: false });
      piped = { rl, lines: rl[Symbol.asyncIterator]() };
    }
    const next = await piped.lines.next();
    return next.done ? '' : next.value; // on end of input with no line, '' instead of waiting forever
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  try {
    return await Promise.race([rl.question(prompt), closed]);
  } finally {
    rl.close();
  }
}

/** A line typed at the terminal with nothing echoed; Ctrl-C cancels. */
async function readSecret(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  const ended = new Promise<string>((resolve, reject) => {
    rl.once('close', () => resolve(''));
    rl.once('SIGINT', () => reject(new CliError('Cancelled.')));
  });
  try {
    return await Promise.race([rl.question(''), ended]);
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

const code = await run(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  home: process.env.HOME || homedir(),
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  readLine,
  ...(process.stdin.isTTY && { readSecret }),
  fetch: globalThis.fetch,
});
piped?.rl.close();
process.exitCode = code;
