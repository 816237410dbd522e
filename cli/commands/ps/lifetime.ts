import { appPath } from '../../api.js';
import { appCommand, type AppCall, type JsonOpts } from '../../command.js';
import { json } from '../../format.js';
import type { DynoPolicyView } from '../../../services/core/api.js';
import { lifetimeBlock, parseDurationArg } from './policy.js';

export default appCommand(
  'ps:lifetime [duration]',
  {
    description:
      'show or set how long each dyno runs before it is replaced without downtime (DURATION, "off", ' +
      'or "default": 24h plus up to 3h36m per dyno)',
    json: 'output the dyno policy as JSON',
    example: [
      '$ paas ps:lifetime -a my-app',
      'Lifetime:  24h plus up to 3h36m per dyno (default)',
      '$ paas ps:lifetime 6h -a my-app',
      'Setting lifetime of my-app... done',
      'Lifetime:  6h',
      '$ paas ps:lifetime off',
    ],
    parse: ([duration]: [string | undefined]) => (duration === undefined ? undefined : parseDurationArg(duration)),
  },
  async ({
    app,
    api,
    input: lifetime,
    opts,
    out,
  }: AppCall<[string | undefined], JsonOpts, string | null | undefined>) => {
    const path = appPath(app, '/dyno-policy');
    const policy =
      lifetime === undefined
        ? await api.get<DynoPolicyView>(path)
        : await api.request<DynoPolicyView>('PATCH', path, { lifetime });
    if (opts.json) return out(json(policy));
    out(
      lifetime === undefined ? lifetimeBlock(policy) : `Setting lifetime of ${app}... done\n${lifetimeBlock(policy)}`,
    );
  },
);
