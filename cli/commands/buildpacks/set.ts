import { appCommand } from '../../command.js';
import { changeWith, INDEX_OPTION, parseUrlAndIndex } from './change.js';

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
    parse: parseUrlAndIndex,
  },
  changeWith('set', 'set'),
);
