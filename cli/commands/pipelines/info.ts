import { command, type ApiCall } from '../../command.js';
import { json } from '../../format.js';
import type { PipelineInfoView } from '../../../services/core/api.js';
import { pipelineInfoText } from './format.js';

export default command(
  'pipelines:info <pipeline>',
  {
    description: "show a pipeline's apps by stage, with their latest release",
    json: true,
    example: [
      '$ paas pipelines:info shop',
      '=== shop',
      'Owner:  me@example.com',
      '',
      'App           Stage       Release',
      'shop-staging  staging     v12',
      'shop-prod     production  v7',
    ],
  },
  async ({ api, args: [name], opts, out }: ApiCall<[pipeline: string]>) => {
    const info = await api.get<PipelineInfoView>(`/pipelines/${encodeURIComponent(name)}`);
    out(opts.json ? json(info) : pipelineInfoText(info));
  },
);
