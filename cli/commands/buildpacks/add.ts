import { appCommand } from '../../command.js';
import { changeBuildpacks, INDEX_OPTION, parseIndex, replace } from './change.js';
import { changedText } from './format.js';

export default appCommand(
  'buildpacks:add <buildpack>',
  {
    description: 'add a buildpack: last, or at the index (every buildpack of the list runs, in order)',
    options: [INDEX_OPTION],
    example: [
      '$ paas buildpacks:add https://example.com/buildpacks/apt.tgz -i 1 -a my-app',
      'Buildpacks added. Next release on my-app will use:',
      '  1. https://example.com/buildpacks/apt.tgz',
      '  2. nodejs',
    ],
    parse: ([url]: [string], opts: { index?: string }) => ({ url, index: parseIndex(opts.index) }),
  },
  async ({ app, api, input: { url, index }, out }) => {
    const change = { kind: 'add', url, ...(index !== undefined && { index }) } as const;
    out(changedText(app, 'added', await replace(api, app, (current) => changeBuildpacks(current, change))));
  },
);
