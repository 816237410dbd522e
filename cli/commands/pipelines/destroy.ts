import { command } from '../../command.js';
import type { PipelineView } from '../../../services/core/api.js';
import { confirmedPipeline } from './parse.js';

export default command(
  'pipelines:destroy <pipeline>',
  {
    description: 'delete a pipeline (its owner or an admin); its apps stay as they are',
    options: [['--confirm <pipeline>', 'the pipeline name again, to confirm']],
    example: ['$ paas pipelines:destroy shop --confirm shop', 'Destroying shop pipeline... done'],
    parse: ([name]: [string], opts: { confirm?: string }) => confirmedPipeline(name, opts.confirm),
  },
  async ({ api, input: name, out }) => {
    const gone = await api.request<PipelineView>('DELETE', `/pipelines/${encodeURIComponent(name)}`);
    out(`Destroying ${gone.name} pipeline... done`);
  },
);
