import { appPath } from '../../api.js';
import { appCommand, type AppCall } from '../../command.js';

/** "Restarting web.1 dyno on my-app", "Restarting web dynos on my-app", "Restarting dynos on my-app". */
export function restartingText(app: string, target: string | undefined): string {
  if (target === undefined) return `Restarting dynos on ${app}`;
  return target.includes('.') ? `Restarting ${target} dyno on ${app}` : `Restarting ${target} dynos on ${app}`;
}

export default appCommand(
  'ps:restart [dyno]',
  {
    alias: 'restart',
    description: 'restart all dynos, the dynos of one process type (web) or one dyno (web.1), without downtime',
    example: [
      '$ paas ps:restart -a my-app',
      'Restarting dynos on my-app... done',
      '$ paas ps:restart web.1',
      'Restarting web.1 dyno on my-app... done',
    ],
  },
  async ({ app, api, args: [dyno], out }: AppCall<[dyno?: string]>) => {
    await api.request('DELETE', appPath(app, dyno === undefined ? '/dynos' : `/dynos/${encodeURIComponent(dyno)}`));
    out(`${restartingText(app, dyno)}... done`);
  },
);
