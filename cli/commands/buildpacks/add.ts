import { appCommand } from '../../command.js';
import { changeWith, INDEX_OPTION, parseUrlAndIndex } from './change.js';

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
    parse: parseUrlAndIndex,
  },
  changeWith('add', 'added'),
);
