import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';
import { json } from '../../format.js';
import type { DynoPolicyUpdate, DynoPolicyView } from '../../../services/core/api.js';
import { autosleepBlock, parseDurationArg, parseKeepAwakeArg } from './policy.js';

interface AutosleepOpts {
  keepAwake?: string;
  json?: boolean;
}

/** ps:autosleep's change, or undefined to show the policy; pure. */
export function autosleepUpdate(duration: string | undefined, opts: AutosleepOpts): DynoPolicyUpdate | undefined {
  const update: DynoPolicyUpdate = {};
  if (duration !== undefined) update.autosleep = parseDurationArg(duration);
  if (opts.keepAwake !== undefined) update.keep_awake = parseKeepAwakeArg(opts.keepAwake);
  return Object.keys(update).length > 0 ? update : undefined;
}

export default appCommand(
  'ps:autosleep [duration]',
  {
    description:
      'show or set how long the web process may go without traffic before the app sleeps (DURATION, "off", ' +
      'or "default": eco dynos sleep after 30m); the next request wakes it',
    options: [['--keep-awake <types>', 'process types that keep running while the app sleeps (worker,clock; "none")']],
    json: 'output the dyno policy as JSON',
    example: [
      '$ paas ps:autosleep -a my-app',
      'Autosleep:   after 30m of no web traffic (default for eco)',
      'Keep awake:  none',
      '$ paas ps:autosleep 1h --keep-awake worker,clock -a my-app',
      'Setting autosleep of my-app... done',
      '$ paas ps:autosleep off',
      '$ paas ps:autosleep default --keep-awake none',
    ],
    parse: ([duration]: [string | undefined], opts: AutosleepOpts) => autosleepUpdate(duration, opts),
  },
  async ({
    app,
    api,
    input: update,
    opts,
    out,
  }: AppCall<[string | undefined], AutosleepOpts, DynoPolicyUpdate | undefined>) => {
    const path = appPath(app, '/dyno-policy');
    const policy = update
      ? await api.request<DynoPolicyView>('PATCH', path, update)
      : await api.get<DynoPolicyView>(path);
    if (opts.json) return out(json(policy));
    out(update ? `Setting autosleep of ${app}... done\n${autosleepBlock(policy)}` : autosleepBlock(policy));
  },
);
