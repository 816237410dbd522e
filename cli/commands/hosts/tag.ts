import { command } from '../../command.js';
import { CliError } from '../../context.js';
import { json } from '../../format.js';
import type { HostView } from '../../../services/core/api.js';
import { hostPath, tagsText } from './format.js';

/** `key=value` sets a tag, `key-` removes it (as config:unset does); pure. */
export function parseTagArgs(args: readonly string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    let key: string;
    let value: string | null;
    if (eq > 0) [key, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
    else if (eq < 0 && arg.length > 1 && arg.endsWith('-')) [key, value] = [arg.slice(0, -1), null];
    else throw new CliError(`${JSON.stringify(arg)} is not key=value (to set a tag) or key- (to remove one)`);
    if (key in out) throw new CliError(`The tag ${key} is given twice`);
    out[key] = value;
  }
  if (Object.keys(out).length === 0) {
    throw new CliError(
      'Give at least one tag: key=value to set it, key- to remove it. Example: paas hosts:tag host-1 pool=high ssd-',
    );
  }
  return out;
}

export default command(
  'hosts:tag <host> [tags...]',
  {
    description:
      "set (key=value) or remove (key-) a host's tags (admins); kept over the agent's own tags across its restarts; " +
      '--reset drops every change',
    options: [['--reset', "go back to the agent's own tags"]],
    json: true,
    example: [
      '$ paas hosts:tag host-1 pool=high ssd-',
      'Setting tags of host-1... done',
      'Tags: pool=high',
      '$ paas hosts:tag host-1 --reset',
    ],
    parse: ([, args]: [string, string[]], opts: { reset?: boolean; json?: boolean }) => {
      if (opts.reset && args.length) throw new CliError('Give either tags or --reset, not both');
      return opts.reset ? undefined : parseTagArgs(args);
    },
  },
  async ({ api, args: [id], input: tags, opts, out }) => {
    const host =
      tags === undefined
        ? await api.request<HostView>('DELETE', hostPath(id, '/tags'))
        : await api.request<HostView>('PATCH', hostPath(id, '/tags'), { tags });
    if (opts.json) return out(json(host));
    out(`${opts.reset ? 'Resetting' : 'Setting'} tags of ${host.id}... done`);
    out(`Tags: ${tagsText(host.tags) || '(none)'}`);
  },
);
