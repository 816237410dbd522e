import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { CliError } from '../../context.js';
import { json } from '../../format.js';
import type { BuildOutputView, BuildView } from '../../../services/core/api.js';
import { outputText } from './format.js';

/** An id as the builder makes them (20240501-102030-a1b2c3); the API checks the rest. */
export function parseBuildId(arg: string): string {
  const id = arg.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id))
    throw new CliError(`${arg} is not a build id; see \`paas builds\``);
  return id;
}

export default appCommand(
  'builds:output [id]',
  {
    description: 'show the output of a build (default: the latest)',
    json: true,
    example: [
      '$ paas builds:output -a my-app',
      '-----> Building my-app (commit 1a2b3c4, build 20240501-102030-a1b2c3)',
      '...',
    ],
    parse: ([id]: [string | undefined]) => (id === undefined ? undefined : parseBuildId(id)),
  },
  async ({ app, api, input: wanted, opts, out }) => {
    let target = wanted;
    if (target === undefined) {
      const [latest] = await api.get<BuildView[]>(appPath(app, '/builds'));
      if (!latest) throw new CliError(`${app} has no builds yet. Deploy with: git push paas main`);
      target = latest.id;
    }
    const output = await api.get<BuildOutputView>(appPath(app, `/builds/${encodeURIComponent(target)}/output`));
    out(opts.json ? json(output) : outputText(output));
  },
);
