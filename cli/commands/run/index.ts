import { CommanderError } from 'commander';
import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import type { RunDynoView } from '../../../services/core/api.js';
import { attach, processIo } from './attach.js';
import { commandLine, parseEnvFlag } from './format.js';

// paas run: a one-off dyno of the app's current release (the API picks it:
// the request names none), attached to the terminal; the remote exit code is paas's.

interface RunOpts {
  size?: string;
  detach?: boolean;
  env?: string;
  tty?: boolean;
}

export default appCommand(
  'run',
  {
    description: "run a one-off dyno of the current release, attached to your terminal; its exit code is paas's",
    options: [
      ['-s, --size <size>', 'dyno size (ps:sizes)'],
      ['-d, --detach', 'run in the background: its output goes to the logs'],
      ['-e, --env <vars>', 'environment variables for this dyno: "KEY=value;KEY2=value2"'],
      ['--no-tty', 'no terminal even when stdin and stdout are terminals'],
      ['-x, --exit-code', "exit with the remote command's exit code (always on)"],
    ],
    configure: (cmd) =>
      cmd.argument('<command...>', 'the command to run (after --, to pass options to it)').allowUnknownOption(),
    example: [
      '$ paas run -a my-app -- bash',
      'Running bash on my-app... up, run.4821',
      '$ echo hello | paas run cat',
      '$ paas run console',
      '$ paas run --detach -s standard-2x -- node scripts/backfill.js',
      'Running node scripts/backfill.js on my-app... up, run.2077',
    ],
    parse: ([words]: [string[]], opts: RunOpts) => ({ command: commandLine(words), env: parseEnvFlag(opts.env) }),
  },
  async ({ app, api, input: { command, env }, opts, ctx }) => {
    const io = processIo();
    const tty = opts.tty !== false && !opts.detach && io.stdin.isTTY === true && io.stdout.isTTY === true;
    io.stderr.write(`Running ${command} on ${app}... `);
    const body = {
      command,
      attach: !opts.detach,
      ...(opts.size && { size: opts.size }),
      ...(Object.keys(env).length > 0 && { env }),
      force_no_tty: !tty,
    };
    const dyno = await api.post<RunDynoView>(appPath(app, '/dynos'), body).catch((err: unknown) => {
      io.stderr.write('failed\n');
      throw err;
    });
    if (opts.detach || !dyno.attach_url) {
      io.stderr.write(`up, ${dyno.name}\nRun paas logs -a ${app} --ps ${dyno.name} to view the output.\n`);
      return;
    }
    const stop = () => api.request('POST', appPath(app, `/dynos/${encodeURIComponent(dyno.name)}/actions/stop`));
    const code = await attach(dyno, io, tty, ctx, () => stop().then(() => undefined), api.urls.order());
    if (code !== 0) throw new CommanderError(code, 'paas.run.exit', '');
  },
);
