#!/usr/bin/env node
import { homedir } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { run } from './program.js';

// The `paas` binary: the real process's environment, streams and fetch.

async function readLine(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: process.stdin.isTTY });
  // On end of input with no line, answer '' instead of waiting forever.
  const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
  try {
    return await Promise.race([rl.question(prompt), closed]);
  } finally {
    rl.close();
  }
}

const code = await run(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  home: process.env.HOME || homedir(),
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  readLine,
  fetch: globalThis.fetch,
});
process.exitCode = code;
