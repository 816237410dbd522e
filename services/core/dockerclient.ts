import Docker from 'dockerode';
import type { ServiceContext } from './service.js';

// The Docker engine's client of a process: the builder and the agent in one
// process (services/platform) share it (dockerode keeps no per-caller state).
// Imported only by the services that talk to Docker, so the others do not
// load dockerode.

export function sharedDocker(ctx: Pick<ServiceContext, 'shared'>, socketPath: string): Docker {
  return ctx.shared(`docker ${socketPath}`, () => new Docker({ socketPath }));
}
