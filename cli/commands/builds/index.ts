import { appPath } from '../../api.js';
import { appListing } from '../../command.js';
import { historyText } from '../../format.js';
import type { BuildView } from '../../../services/core/api.js';
import { buildsTable } from './format.js';

export default appListing<BuildView[]>('builds', {
  description: 'list the builds of an app, newest first',
  example: [
    '$ paas builds -a my-app',
    '=== my-app Builds',
    'Id                      Status          Commit   User            Date                     Duration',
    '20240501-102030-a1b2c3  succeeded (v3)  1a2b3c4  me@example.com  2024/05/01 10:20:30 UTC  12.3s',
  ],
  path: (app) => appPath(app, '/builds'),
  text: (app, builds) => historyText(app, 'Builds', builds, buildsTable),
});
