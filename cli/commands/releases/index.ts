import { appPath } from '../../api.js';
import { appListing } from '../../command.js';
import { historyText } from '../../format.js';
import type { ReleaseListEntry } from '../../../services/core/api.js';
import { releasesTable } from './format.js';

export default appListing<ReleaseListEntry[]>('releases', {
  description: 'list the releases of an app, newest first',
  example: [
    '$ paas releases -a my-app',
    '=== my-app Releases',
    'v1  Deploy 1a2b3c4  me@example.com  2024/05/01 10:20:30 UTC',
  ],
  path: (app) => appPath(app, '/releases'),
  text: (app, releases) => historyText(app, 'Releases', releases, releasesTable),
});
