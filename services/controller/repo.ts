import type { Store } from '../core/store.js';
import { conflict } from '../core/errors.js';
import type { KeyLayout } from '../core/keys.js';
import type { App, SshKey, TokenRecord, User } from '../core/types.js';

// The controller's reads and writes beyond core's Store: users, tokens and
// SSH keys. Every multi-key write is one etcd transaction guarded by a
// compare, like Store.createApp.

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

  /** The user a token (by its sha256) belongs to, if the token exists. */
  async userByTokenHash(hash: string): Promise<User | undefined> {
    const rec = await this.store.get<TokenRecord>(this.keys.token(hash));
    return rec ? this.getUser(rec.user) : undefined;
  }

  /** Creates the user, its email index and its first token, or fails with conflict if the email is taken. */
  async createUser(user: User, token: { hash: string; record: TokenRecord }): Promise<User> {
    const { etcd } = this.store;
    const emailKey = this.keys.userByEmail(user.email);
    const userKey = this.keys.user(user.id);
    const res = await etcd
      .if(emailKey, 'Create', '==', 0)
      .and(userKey, 'Create', '==', 0)
      .then(
        etcd.put(userKey).value(JSON.stringify(user)),
        etcd.put(emailKey).value(JSON.stringify(user.id)),
        etcd.put(this.keys.token(token.hash)).value(JSON.stringify(token.record)),
      )
      .commit();
    if (!res.succeeded) throw conflict(`A user with the email ${user.email} already exists`);
    return user;
  }

  /** Stores a new token; never overwrites one (a hash collision would be a bug). */
  async addToken(hash: string, record: TokenRecord): Promise<void> {
    const key = this.keys.token(hash);
    const res = await this.store.etcd.if(key, 'Create', '==', 0).then(this.store.etcd.put(key).value(JSON.stringify(record))).commit();
    if (!res.succeeded) throw conflict('Token already exists');
  }

  getSshKey(fingerprint: string): Promise<SshKey | undefined> {
    return this.store.get<SshKey>(this.keys.sshKey(fingerprint));
  }

  /** Adds the key, or fails with conflict if any user has it already. */
  async addSshKey(key: SshKey): Promise<SshKey> {
    const k = this.keys.sshKey(key.fingerprint);
    const res = await this.store.etcd.if(k, 'Create', '==', 0).then(this.store.etcd.put(k).value(JSON.stringify(key))).commit();
    if (!res.succeeded) throw conflict('This key is already in use by an account');
    return key;
  }

  async listSshKeys(userId: string): Promise<SshKey[]> {
    const all = await this.store.list<SshKey>(this.keys.sshKeys());
    return all.filter((k) => k.user === userId);
  }

  listApps(): Promise<App[]> {
    return this.store.list<App>(this.keys.apps());
  }
}
