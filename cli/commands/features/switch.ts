import { appPath } from '../../api.js';
import { appCommand, type AppCall, type Definition } from '../../command.js';
import { json } from '../../format.js';
import type { FeatureView } from '../../../services/core/api.js';

/** features:enable and features:disable: PATCH the feature's `enabled`. */
export function featureSwitch(enabled: boolean): Definition {
  const verb = enabled ? 'enable' : 'disable';
  return appCommand(
    `features:${verb} <feature>`,
    {
      description: `${verb} an app feature (see \`paas features\`)`,
      json: true,
      example: [
        `$ paas features:${verb} redirect-https -a my-app`,
        `${enabled ? 'Enabling' : 'Disabling'} redirect-https for my-app... done`,
      ],
    },
    async ({ app, api, args: [name], opts, out }: AppCall<[feature: string]>) => {
      const f = await api.request<FeatureView>('PATCH', appPath(app, `/features/${encodeURIComponent(name)}`), {
        enabled,
      });
      out(opts.json ? json(f) : `${enabled ? 'Enabling' : 'Disabling'} ${f.name} for ${app}... done`);
    },
  );
}
