import { appPath } from '../../api.js';
import { appCommand } from '../../command.js';
import type { PipelineCouplingView } from '../../../services/core/api.js';

export default appCommand(
  'pipelines:remove',
  {
    description: 'take the app out of its pipeline (the app itself is unchanged)',
    appHelp: 'the app to remove',
    example: ['$ paas pipelines:remove -a shop-prod', 'Removing shop-prod from shop pipeline... done'],
  },
  async ({ app, api, out }) => {
    const c = await api.request<PipelineCouplingView>('DELETE', appPath(app, '/pipeline-couplings'));
    out(`Removing ${c.app.name} from ${c.pipeline.name} pipeline... done`);
  },
);
