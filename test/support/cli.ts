import type { Ctx } from '../../cli/context.js';
import { run } from '../../cli/program.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `paas ARGS` in-process (cli/program.ts's run) with the given
 * environment, working directory and home; its output is collected, not
 * printed, and nothing is read from a person.
 */
export async function paasInProcess(
  args: string[],
  opts: { env: Ctx['env']; cwd: string; home: string },
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: Ctx = {
    env: opts.env,
    cwd: opts.cwd,
    home: opts.home,
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    readLine: async () => '',
    fetch: globalThis.fetch,
  };
  const code = await run(args, ctx);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
