import { appCommand } from '../../command.js';
import type { PipelineCouplingView } from '../../../services/core/api.js';
import { STAGES_HELP, stageOption } from './parse.js';

export default appCommand(
  'pipelines:add <pipeline>',
  {
    description: 'add the app to a pipeline at a stage (you must be able to change the app)',
    appHelp: 'the app to add',
    options: [['-s, --stage <stage>', `its stage: ${STAGES_HELP}`]],
    example: [
      '$ paas pipelines:add shop -a shop-prod --stage production',
      'Adding shop-prod to shop pipeline as production... done',
    ],
    parse: ([pipeline]: [string], opts: { stage?: string }) => ({ pipeline, stage: stageOption(opts.stage) }),
  },
  async ({ app, api, input: { pipeline, stage }, out }) => {
    const c = await api.post<PipelineCouplingView>('/pipeline-couplings', { app, pipeline, stage });
    out(`Adding ${c.app.name} to ${c.pipeline.name} pipeline as ${c.stage}... done`);
  },
);
