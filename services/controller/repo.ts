import type { Store, Write } from '../core/store.js';
import { conflict } from '../core/errors.js';
import type { KeyLayout } from '../core/keys.js';
import type { App, SshKey, TokenRecord, User, UserTokenRef } from '../core/types.js';

// The controller's reads and writes beyond core's Store: users, tokens and
// SSH keys. Every multi-key write is one etcd transaction guarded by a
// compare, like Store.createApp.

/** Whether the token has stopped working at `now` (ms); a token without expiresAt never does. Pure. */
export function tokenExpired(record: Pick<TokenRecord, 'expiresAt'>, now: number): boolean {
  return record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now;
}

export class Repo {
  readonly keys: KeyLayout;

  constructor(readonly store: Store) {
    this.keys = store.keys;
  }

  getUser(id: string): Promise<User | undefined> {
    return this.store.get<User>(this.keys.user(id));
  }

  async userByEmail(email: string): Promise<User | undefined> {
    const id = await this.store.get<string>(this.keys.userByEmail(email));
    return id === undefined ? undefined : this.getUser(id);
  }

  /** The token's record (by its sha256) and its user, if both exist, expired or not. */
  async tokenOwner(hash: string): Promise<{ record: TokenRecord; user: User } | undefined> {
    const record = await this.store.get<TokenRecord>(this.keys.token(hash));
    const user = record && (await this.getUser(record.user));
    return record && user ? { record, user } : undefined;
  }

  /** The user a token (by its sha256) belongs to, if the token exists and has not expired at `now` (ms). */
  async userByTokenHash(hash: string, now = Date.now()): Promise<User | undefined> {
    const owner = await this.tokenOwner(hash);
    return owner && !tokenExpired(owner.record, now) ? owner.user : undefined;
  }

  /** Creates the user, its email index and its first token, or fails with conflict if the email is taken. */
  async createUser(user: User, token: { hash: string; record: TokenRecord }): Promise<User> {
    const emailKey = this.keys.userByEmail(user.email);
    const userKey = this.keys.user(user.id);
    const created = await this.store.commit(
      [
        { key: emailKey, absent: true },
        { key: userKey, absent: true },
      ],
      [{ put: userKey, value: user }, { put: emailKey, value: user.id }, ...this.tokenPuts(token.hash, token.record)],
    );
    if (!created) throw conflict(`A user with the email ${user.email} already exists`);
    return user;
  }

  /** Stores a new token and its per-user index entry; never overwrites one (a hash collision would be a bug). */
  async addToken(hash: string, record: TokenRecord): Promise<void> {
    const key = this.keys.token(hash);
    if (!(await this.store.commit([{ key, absent: true }], this.tokenPuts(hash, record))))
      throw conflict('Token already exists');
  }

  /** The writes of a new token: its record and, when it has an id, /user-tokens/<user>/<id> -> {hash}. */
  private tokenPuts(hash: string, record: TokenRecord): Write[] {
    const ref: UserTokenRef = { hash };
    const puts: Write[] = [{ put: this.keys.token(hash), value: record }];
    if (record.id) puts.push({ put: this.keys.userToken(record.user, record.id), value: ref });
    return puts;
  }

  getSshKey(fingerprint: string): Promise<SshKey | undefined> {
    return this.store.get<SshKey>(this.keys.sshKey(fingerprint));
  }

  /** Adds the key, or fails with conflict if any user has it already. */
  async addSshKey(key: SshKey): Promise<SshKey> {
    const k = this.keys.sshKey(key.fingerprint);
    if (!(await this.store.commit([{ key: k, absent: true }], [{ put: k, value: key }])))
      throw conflict('This key is already in use by an account');
    return key;
  }

  /** Deletes the key if it is this user's (and unchanged since read); undefined when it is not theirs or is gone. */
  async removeSshKey(fingerprint: string, userId: string): Promise<SshKey | undefined> {
    const k = this.keys.sshKey(fingerprint);
    const cur = await this.store.getVersioned<SshKey>(k);
    if (!cur || !cur.value || cur.value.user !== userId) return undefined;
    return (await this.store.commit([{ key: k, modRevision: cur.modRevision }], [{ delete: k }]))
      ? cur.value
      : undefined;
  }

  async listSshKeys(userId: string): Promise<SshKey[]> {
    const all = await this.store.list<SshKey>(this.keys.sshKeys());
    return all.filter((k) => k.user === userId);
  }

  listApps(): Promise<App[]> {
    return this.store.list<App>(this.keys.apps());
  }
}
