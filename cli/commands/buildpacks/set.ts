import { appCommand } from '../../command.js';
import { changeBuildpacks, INDEX_OPTION, parseIndex, replace } from './change.js';
import { changedText } from './format.js';

export default appCommand(
  'buildpacks:set <buildpack>',
  {
    description:
      'set the buildpack (ours by name, a git URL with #ref, or a .tgz URL), ' +
      'replacing the one at the index (default 1)',
    options: [INDEX_OPTION],
    example: [
      '$ paas buildpacks:set heroku/nodejs -a my-app',
      'Buildpack set. Next release on my-app will use nodejs.',
      '$ paas buildpacks:set https://example.com/apt-buildpack.git#v3 -i 1',
    ],
    parse: ([url]: [string], opts: { index?: string }) => ({ url, index: parseIndex(opts.index) }),
  },
  async ({ app, api, input: { url, index }, out }) => {
    const change = { kind: 'set', url, ...(index !== undefined && { index }) } as const;
    out(changedText(app, 'set', await replace(api, app, (current) => changeBuildpacks(current, change))));
  },
);
