import { appCommand } from '../../command.js';
import { json } from '../../format.js';
import type { PipelineCreateRequest, PipelineView } from '../../../services/core/api.js';
import { STAGES_HELP, stageOption } from './parse.js';

export default appCommand(
  'pipelines:create <name>',
  {
    description: 'create a pipeline and add the app to it at a stage',
    appHelp: 'the app the pipeline starts with',
    options: [['-s, --stage <stage>', `its stage: ${STAGES_HELP}`]],
    json: 'output the new pipeline as JSON',
    example: [
      '$ paas pipelines:create shop -a shop-staging --stage staging',
      'Creating shop pipeline... done',
      'Adding shop-staging to shop pipeline as staging... done',
    ],
    parse: ([name]: [string], opts: { stage?: string; json?: boolean }) => ({ name, stage: stageOption(opts.stage) }),
  },
  async ({ app, api, input: { name, stage }, opts, out }) => {
    const body = { name, app, stage } as PipelineCreateRequest; // the API checks the stage
    const made = await api.post<PipelineView>('/pipelines', body);
    if (opts.json) return out(json(made));
    out(`Creating ${made.name} pipeline... done`);
    out(`Adding ${app} to ${made.name} pipeline as ${stage}... done`);
  },
);
