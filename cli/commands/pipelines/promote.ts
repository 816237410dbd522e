import { appCommand } from '../../command.js';
import { json } from '../../format.js';
import type { PipelinePromotionRequest, PipelinePromotionView } from '../../../services/core/api.js';
import { promotionText } from './format.js';
import { appList } from './parse.js';

export default appCommand(
  'pipelines:promote',
  {
    description:
      "release the app's running build to the apps of the next stage downstream (or --to), each with its own config; no rebuild",
    appHelp: 'the app to promote from',
    options: [['-t, --to <apps>', 'the apps to promote to, separated by commas (default: the next stage downstream)']],
    json: 'output the promotion as JSON',
    example: [
      '$ paas pipelines:promote -a shop-staging',
      'Promoting to shop-prod... done, v7',
      '$ paas pipelines:promote -a shop-staging --to shop-prod-eu,shop-prod-us',
    ],
    parse: (_args: [], opts: { to?: string; json?: boolean }) => appList(opts.to),
  },
  async ({ app, api, input: targets, opts, out }) => {
    const body: PipelinePromotionRequest = { source: app, ...(targets && { targets }) };
    const done = await api.post<PipelinePromotionView>('/pipeline-promotions', body);
    out(opts.json ? json(done) : promotionText(done));
  },
);
