import { command, type ApiCall } from '../../command.js';
import { json } from '../../format.js';
import type { HostView } from '../../../services/core/api.js';
import { hostInfoText, hostPath } from './format.js';

export default command(
  'hosts:info <host>',
  {
    description: 'show one host (admins): its tags, where they come from, and its load',
    json: true,
    example: ['$ paas hosts:info host-1', '=== host-1', 'State:  up', '...'],
  },
  async ({ api, args: [id], opts, out }: ApiCall<[host: string]>) => {
    const host = await api.get<HostView>(hostPath(id));
    out(opts.json ? json(host) : hostInfoText(host));
  },
);
