import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { json } from '../../format.js';
import type { DynoView, ReleaseListEntry } from '../../../services/core/api.js';
import { failedReleaseNote, psText } from './format.js';

export default appCommand(
  'ps',
  {
    description: "list an app's dynos and their state",
    json: true,
    example: [
      '$ paas ps -a my-app',
      '=== web (standard-1x): npm start (2)',
      'web.1: up 2026/11/24 20:01:02 (~ 3m ago) v14 on host-1',
      'web.2: up 2026/11/24 20:01:04 (~ 3m ago) v14 on host-1',
    ],
  },
  async ({ app, api, opts, out }) => {
    const dynos = await api.get<DynoView[]>(appPath(app, '/dynos'));
    if (opts.json) return out(json(dynos));
    const note = failedReleaseNote(await api.get<ReleaseListEntry[]>(appPath(app, '/releases')), dynos);
    out(note ? `${psText(app, dynos, Date.now())}\n\n${note}` : psText(app, dynos, Date.now()));
  },
);
