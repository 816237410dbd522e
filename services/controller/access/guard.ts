import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';

// Access that ends ends everywhere: a log stream (logs/) or a `paas run`
// attachment (runs/) opened by a user lasts only while that user, with that
// token, may still see the app. One etcd watch for all of them (on the keys
// that decide it: collaborators, tokens, apps, users), started with the first
// guard and stopped with the last; each change re-checks every open one, and
// a slow timer does too (a missed watch event). Who lost access is told
// within a second or two of the change.

/** Who opened it, with which token (its sha256, as stored), for which app. */
export interface Grant {
  app: string;
  userId: string;
  tokenHash: string;
}

export const BACKSTOP_MS = 30_000;

interface Guarded {
  grant: Grant;
  onLost: () => void;
}

export class AccessGuard {
  private readonly open = new Set<Guarded>();
  private unwatch: Promise<() => Promise<void>> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private again = false;

  constructor(private readonly deps: Pick<Deps, 'store' | 'repo' | 'logger'>) {}

  /** Whether the grant still holds: the token is live and its user's, and the user sees the app. */
  async allowed(g: Grant): Promise<boolean> {
    const user = await this.deps.repo.userByTokenHash(g.tokenHash);
    if (!user || user.id !== g.userId) return false;
    try {
      await visibleApp(this.deps as Deps, user, g.app);
      return true;
    } catch {
      return false;
    }
  }

  /** Calls onLost (once) when the grant stops holding; returns the function that stops watching it. */
  watch(grant: Grant, onLost: () => void): () => void {
    const g: Guarded = { grant, onLost };
    this.open.add(g);
    if (!this.unwatch) this.startWatching();
    return () => {
      this.open.delete(g);
      if (this.open.size === 0) this.stopWatching();
    };
  }

  private startWatching(): void {
    const k = this.deps.store.keys;
    this.unwatch = this.deps.store.watchPrefixes([k.allCollaborators(), k.token(''), k.apps(), k.users()], () =>
      this.recheck(),
    );
    this.unwatch.catch((err: unknown) =>
      this.deps.logger.error({ err }, 'cannot watch access changes; re-checking on a timer only'),
    );
    this.timer = setInterval(() => this.recheck(), BACKSTOP_MS);
    this.timer.unref();
  }

  private stopWatching(): void {
    const u = this.unwatch;
    this.unwatch = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    void u?.then((stop) => stop()).catch(() => undefined);
  }

  /** Checks every open grant (one pass at a time; a change during a pass runs another). */
  private recheck(): void {
    if (this.checking) {
      this.again = true;
      return;
    }
    this.checking = (async () => {
      do {
        this.again = false;
        for (const g of [...this.open]) {
          const ok = await this.allowed(g.grant).catch(() => true); // etcd down: not a reason to cut anyone off
          if (ok || !this.open.has(g)) continue;
          this.open.delete(g);
          this.deps.logger.info({ app: g.grant.app, user: g.grant.userId }, 'access ended: closing a stream');
          g.onLost();
        }
      } while (this.again);
      if (this.open.size === 0) this.stopWatching();
    })().finally(() => (this.checking = undefined));
  }
}
