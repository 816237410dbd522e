import { randomBytes } from 'node:crypto';
import type { Pusher } from '../controller.js';

// Pushes in progress. The ssh side registers one before it runs receive-pack
// and hands its token to the hook through the environment; the hook server
// accepts a build only for a known token, so a build's app and pusher always
// come from the authenticated ssh session, never from the hook's say-so.

export interface Push {
  token: string;
  app: string;
  user: Pusher;
}

export class Pushes {
  private readonly byToken = new Map<string, Push>();

  open(app: string, user: Pusher): Push {
    const push: Push = { token: randomBytes(24).toString('hex'), app, user };
    this.byToken.set(push.token, push);
    return push;
  }

  get(token: string): Push | undefined {
    return this.byToken.get(token);
  }

  close(token: string): void {
    this.byToken.delete(token);
  }
}
