import type { Logger } from '../../core/logger.js';
import type { Store } from '../../core/store.js';
import { openPaused } from '../../core/apiurls.js';
import type { PeerRegistry } from '../peers/registry.js';
import type { RawData, WebSocket } from 'ws';

// `paas run` across controllers (issue 19). The agent and the user may reach
// different controllers. The first side to arrive claims the rendezvous for
// its controller: /rendezvous/<app>/<name> -> {id, url}, created only if
// absent, under that controller's lease (a dead controller's claims go with
// it). A side that finds it claimed by another controller is relayed there:
// its controller opens a websocket to the holder (internal token:
// PEER_AGENT_PATH with PEER_HEADER for the agent, PEER_USER_PATH for a user
// whose one-time secret and access it has checked), accepts the side's
// upgrade only once the holder did (the holder's refusal, e.g. 409 attached
// already, is the side's), and relays frames both ways as they are, pausing
// a sender whose receiver's buffer is past the bound, and closes. The holder
// pairs and buffers as with one controller (rendezvous.ts); the relaying
// controller keeps the user's access watch. The holder removes the claim
// when the pair ends.

export interface RendezvousHolder {
  id: string;
  url: string;
}

/** On the agent's path: a side relayed by a peer, to be joined here without claiming. */
export const PEER_HEADER = 'paas-rendezvous-relayed-by';
export const PEER_USER_PATH = /^\/internal\/rendezvous\/([a-z0-9-]{1,64})\/(run\.\d{1,6})\/user$/;

/** Close codes a websocket may send (RFC 6455 7.4): 1005, 1006 and 1015 may not; they become 4500. Pure. */
export function sendableCode(code: number): number {
  if (code === 1000 || (code >= 1001 && code <= 1003) || (code >= 1007 && code <= 1014)) return code;
  return code >= 3000 && code <= 4999 ? code : 4500;
}

export class RendezvousClaims {
  constructor(
    private readonly store: Store,
    private readonly registry: PeerRegistry,
    private readonly internalToken: string,
  ) {}

  /** Who holds the rendezvous: this controller once it claimed it (it was free), else the peer that did. */
  async claim(app: string, name: string): Promise<RendezvousHolder> {
    const { etcd, keys } = this.store;
    const key = keys.rendezvous(app, name);
    const self: RendezvousHolder = { id: this.registry.self.id, url: this.registry.self.url };
    for (let i = 0; i < 5; i++) {
      const lease = await this.registry.currentLease();
      const res = await etcd
        .if(key, 'Create', '==', 0)
        .then(etcd.put(key).value(JSON.stringify(self)).lease(lease))
        .commit();
      if (res.succeeded) return self;
      const held = await this.store.get<RendezvousHolder>(key);
      if (held) return held;
    }
    throw new Error(`cannot claim the rendezvous of ${app}/${name}`);
  }

  /** The pair ended here: the claim goes (only if it is still this controller's). */
  async release(app: string, name: string): Promise<void> {
    const { etcd, keys } = this.store;
    const key = keys.rendezvous(app, name);
    const held = await this.store.getVersioned<RendezvousHolder>(key);
    if (held?.value.id !== this.registry.self.id) return;
    await etcd.if(key, 'Mod', '==', held.modRevision).then(etcd.delete().key(key)).commit();
  }

  isSelf(h: RendezvousHolder): boolean {
    return h.id === this.registry.self.id;
  }

  /** A websocket to the holder for this side (open, paused); rejects with UpgradeRefused for the holder's refusal. */
  open(h: RendezvousHolder, side: 'agent' | 'user', app: string, name: string): Promise<WebSocket> {
    const path = `/internal/rendezvous/${app}/${name}${side === 'user' ? '/user' : ''}`;
    return openPaused(h.url.replace(/^http/, 'ws') + path, {
      headers: { authorization: `Bearer ${this.internalToken}`, [PEER_HEADER]: this.registry.self.id },
      maxPayload: 1024 * 1024,
    });
  }
}

/**
 * Relays frames between a side (`near`, accepted here) and the holder (`far`), both ways, as they come; a sender is
 * paused while its receiver has more than maxBuffered unsent; either closing closes the other with its code. `far` is
 * resumed here (openPaused).
 */
export function splice(near: WebSocket, far: WebSocket, maxBuffered: number, log: Logger): void {
  const pipe = (from: WebSocket, to: WebSocket) => {
    from.on('message', (data: RawData, binary: boolean) => {
      if (to.readyState !== to.OPEN) return;
      to.send(data, { binary });
      if (to.bufferedAmount > maxBuffered) {
        from.pause();
        const t = setInterval(() => {
          if (to.readyState !== to.OPEN || to.bufferedAmount < maxBuffered / 2) {
            clearInterval(t);
            from.resume();
          }
        }, 20);
      }
    });
    from.on('close', (code, reason) => {
      if (to.readyState === to.OPEN || to.readyState === to.CONNECTING)
        to.close(sendableCode(code), reason.toString() || 'connection lost');
    });
    from.on('error', (err) => log.warn({ err: err.message }, 'relayed rendezvous socket error'));
  };
  pipe(near, far);
  pipe(far, near);
  far.resume();
}
