import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI } from './run.js';

export { CLI };

export interface BinResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `paas` binary as its own process (asynchronously: the controller answering it may run in the test's
 * own process).
 */
export async function runBin(args: string[], env: NodeJS.ProcessEnv): Promise<BinResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    return { status: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { status: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
