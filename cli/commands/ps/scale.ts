import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import { json } from '../../format.js';
import type { FormationEntryView } from '../../../services/core/api.js';
import { formationText, scaledText } from './format.js';
import { parseScaleArgs } from './parse.js';

export default appCommand(
  'ps:scale [tuples...]',
  {
    alias: 'scale',
    description: 'scale process types to a number of dynos and/or a size; without arguments, show the formation',
    json: 'output the updated formation as JSON',
    example: [
      '$ paas ps:scale web=3 worker=1:standard-2x -a my-app',
      'Scaling dynos... done, now running web at 3:standard-1x, worker at 1:standard-2x',
      '$ paas ps:scale web+1',
      '$ paas ps:scale web=performance-m',
    ],
    parse: ([tuples]: [string[]]) => (tuples.length > 0 ? parseScaleArgs(tuples) : undefined),
  },
  async ({ app, api, input: updates, opts, out }) => {
    if (!updates) {
      const formation = await api.get<FormationEntryView[]>(appPath(app, '/formation'));
      return out(opts.json ? json(formation) : formationText(formation));
    }
    const scaled = await api.request<FormationEntryView[]>('PATCH', appPath(app, '/formation'), { updates });
    out(opts.json ? json(scaled) : `Scaling dynos... done, now running ${scaledText(scaled)}`);
  },
);
