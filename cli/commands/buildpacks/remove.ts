import { appCommand } from '../../command.js';
import { changeBuildpacks, INDEX_OPTION, parseIndex, replace } from './change.js';
import { changedText } from './format.js';

export default appCommand(
  'buildpacks:remove [buildpack]',
  {
    description: 'remove a buildpack, given by its URL or name or by -i INDEX',
    options: [INDEX_OPTION],
    example: [
      '$ paas buildpacks:remove -i 1 -a my-app',
      'Buildpack removed. Next release on my-app will detect buildpacks normally.',
    ],
    parse: ([url]: [string | undefined], opts: { index?: string }) => ({ url, index: parseIndex(opts.index) }),
  },
  async ({ app, api, input: { url, index }, out }) => {
    const change = {
      kind: 'remove',
      ...(url !== undefined && { url }),
      ...(index !== undefined && { index }),
    } as const;
    out(changedText(app, 'removed', await replace(api, app, (current) => changeBuildpacks(current, change))));
  },
);
