import { isAppName } from '../../core/names.js';

// The command an ssh client asks to exec. git sends `git-receive-pack '/app.git'`
// (OpenSSH form) or without the slash or quotes; nothing else is accepted yet.

export type GitCommand = { ok: true; service: 'git-receive-pack'; app: string } | { ok: false; message: string };

const SERVICES = new Set(['git-receive-pack', 'git-upload-pack', 'git-upload-archive']);

export function parseGitCommand(command: string): GitCommand {
  const m = /^(git[- ][a-z-]+) +(?:'([^']*)'|"([^"]*)"|(\S+))$/.exec(command.trim());
  if (!m)
    return { ok: false, message: `Only git push is supported here (got ${JSON.stringify(command.slice(0, 60))})` };
  const service = (m[1] as string).replace(' ', '-');
  if (!SERVICES.has(service))
    return { ok: false, message: `Unknown command ${JSON.stringify(service)}; only git push is supported` };
  if (service !== 'git-receive-pack')
    return { ok: false, message: `${service} is not supported yet; only git push is` };
  const path = (m[2] ?? m[3] ?? m[4]) as string;
  const pm = /^\/?([^/]+?)(?:\.git)?\/?$/.exec(path);
  const app = pm?.[1];
  if (app === undefined || !isAppName(app))
    return { ok: false, message: `Invalid repository ${JSON.stringify(path.slice(0, 60))}; push to <app>.git` };
  return { ok: true, service: 'git-receive-pack', app };
}
