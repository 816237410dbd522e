import type { Store } from '../core/store.js';
import { conflict } from '../core/errors.js';
import type { KeyLayout } from '../core/keys.js';
import type { App, SshKey, TokenRecord, User, UserTokenRef } from '../core/types.js';

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
        ...this.tokenPuts(token.hash, token.record),
      )
      .commit();
    if (!res.succeeded) throw conflict(`A user with the email ${user.email} already exists`);
    return user;
  }

  /** Stores a new token and its per-user index entry; never overwrites one (a hash collision would be a bug). */
  async addToken(hash: string, record: TokenRecord): Promise<void> {
    const key = this.keys.token(hash);
    const res = await this.store.etcd
      .if(key, 'Create', '==', 0)
      .then(...this.tokenPuts(hash, record))
      .commit();
    if (!res.succeeded) throw conflict('Token already exists');
  }

  /** The writes of a new token: its record and, when it has an id, /user-tokens/<user>/<id> -> {hash}. */
  private tokenPuts(hash: string, record: TokenRecord) {
    const { etcd } = this.store;
    const ref: UserTokenRef = { hash };
    const puts = [etcd.put(this.keys.token(hash)).value(JSON.stringify(record))];
    if (record.id) puts.push(etcd.put(this.keys.userToken(record.user, record.id)).value(JSON.stringify(ref)));
    return puts;
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

  /** Deletes the key if it is this user's (and unchanged since read); undefined when it is not theirs or is gone. */
  async removeSshKey(fingerprint: string, userId: string): Promise<SshKey | undefined> {
    const k = this.keys.sshKey(fingerprint);
    const kv = (await this.store.etcd.get(k).exec()).kvs[0];
    const key = kv && (JSON.parse(kv.value.toString()) as SshKey);
    if (!kv || !key || key.user !== userId) return undefined;
    const res = await this.store.etcd.if(k, 'Mod', '==', kv.mod_revision).then(this.store.etcd.delete().key(k)).commit();
    return res.succeeded ? key : undefined;
  }

  async listSshKeys(userId: string): Promise<SshKey[]> {
    const all = await this.store.list<SshKey>(this.keys.sshKeys());
    return all.filter((k) => k.user === userId);
  }

  listApps(): Promise<App[]> {
    return this.store.list<App>(this.keys.apps());
  }
}
