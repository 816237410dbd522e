// Failed password checks, counted per key (an email, a remote address) over a
// sliding window, in memory: a controller that restarts forgets them, and two
// controllers would each count their own (there is one per platform). Pure
// but for the clock, which is given.

export interface FailureLimit {
  /** Failures allowed within the window; the next attempt is refused until the oldest of them leaves it. */
  max: number;
  windowMs: number;
}

/** Keys kept at most; past that, the keys whose failures are oldest are forgotten first. */
const MAX_KEYS = 100_000;

export class FailureLimiter {
  /** key -> times (ms) of its failures within the window, oldest first. */
  private readonly failures = new Map<string, number[]>();

  constructor(
    readonly limit: FailureLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** The failures of the key still within the window (pruning the others). */
  private recent(key: string, at: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const kept = times.filter((t) => at - t < this.limit.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else if (kept.length !== times.length) this.failures.set(key, kept);
    return kept;
  }

  /** Seconds (whole, at least 1) until the key may try again; 0: it may now. */
  retryAfterS(key: string): number {
    const at = this.now();
    const times = this.recent(key, at);
    if (times.length < this.limit.max) return 0;
    const oldest = times[times.length - this.limit.max] as number;
    return Math.max(1, Math.ceil((oldest + this.limit.windowMs - at) / 1000));
  }

  /** Counts a failure of the key. */
  fail(key: string): void {
    const at = this.now();
    const times = this.recent(key, at);
    times.push(at);
    // only the last `max` matter for the answer
    this.failures.delete(key); // re-inserted last: the map's order is by latest failure
    this.failures.set(key, times.slice(-this.limit.max));
    while (this.failures.size > MAX_KEYS) {
      const first = this.failures.keys().next().value as string;
      this.failures.delete(first);
    }
  }

  /** Forgets the key's failures (a success). */
  clear(key: string): void {
    this.failures.delete(key);
  }

  /** How many keys have failures counted (for tests). */
  get size(): number {
    return this.failures.size;
  }
}

/** The limits of password logins: per email, and (looser: people share addresses) per remote address. */
export const LOGIN_LIMITS = {
  email: { max: 5, windowMs: 60_000 },
  address: { max: 20, windowMs: 60_000 },
} as const satisfies Record<string, FailureLimit>;

/** Both limiters of password checks (logins and `PUT /account/password`'s current password). */
export class LoginLimiter {
  readonly byEmail: FailureLimiter;
  readonly byAddress: FailureLimiter;

  constructor(now: () => number = Date.now, limits: Record<'email' | 'address', FailureLimit> = LOGIN_LIMITS) {
    this.byEmail = new FailureLimiter(limits.email, now);
    this.byAddress = new FailureLimiter(limits.address, now);
  }

  /** Seconds to wait before this email may be tried again from this address; 0: go ahead. */
  retryAfterS(who: { email?: string; address?: string }): number {
    return Math.max(
      who.email === undefined ? 0 : this.byEmail.retryAfterS(who.email),
      who.address === undefined ? 0 : this.byAddress.retryAfterS(who.address),
    );
  }

  fail(who: { email?: string; address?: string }): void {
    if (who.email !== undefined) this.byEmail.fail(who.email);
    if (who.address !== undefined) this.byAddress.fail(who.address);
  }

  /** A successful check forgets the email's failures (not the address's). */
  succeed(who: { email?: string }): void {
    if (who.email !== undefined) this.byEmail.clear(who.email);
  }
}
