import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, startController, type Harness } from './harness.js';

// The authorization matrix: for each endpoint, the status every kind of
// caller gets, over the real etcd and the real express app.
//
//   owner        created the app            collaborator  added to it by the owner
//   stranger     another user               admin         an admin who is neither
//   none         no Authorization header    revoked       the owner's token, revoked
//   internal     $PAAS_INTERNAL_TOKEN (only good on /internal/*)
//
// A stranger must get exactly the 404 a missing app gets (no existence leak).
// Calls that change things get a target of their own per caller (an app, a
// user, a key...), so every cell is independent of the others.

const ROLES = ['owner', 'collaborator', 'stranger', 'admin', 'none', 'revoked', 'internal'] as const;
type Role = (typeof ROLES)[number];
type Statuses = Record<Role, number>;

interface Row {
  method: string;
  path: string | ((role: Role) => string);
  body?: (role: Role) => unknown;
  expect: Statuses;
  /** The test's name when the path depends on the caller. */
  label?: string;
}

/** "200 200 404 200" for owner, collaborator, stranger, admin; the three without a user token get 401 unless given. */
function statuses(s: string): Statuses {
  const n = s.trim().split(/\s+/).map(Number);
  const [owner, collaborator, stranger, admin, none = 401, revoked = 401, internal = 401] = n;
  if (n.length !== 4 && n.length !== 7) throw new Error(`statuses: 4 or 7 numbers, got ${s}`);
  return { owner, collaborator, stranger, admin, none, revoked, internal } as Statuses;
}

function sshKey(comment: string): { pub: string; fingerprint: string } {
  const dir = mkdtempSync(join(tmpdir(), 'paas-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', join(dir, 'k')]);
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')], {
    encoding: 'utf8',
  }).split(' ')[1] as string;
  return { pub: readFileSync(join(dir, 'k.pub'), 'utf8'), fingerprint };
}

const APP = 'matrix-app';
/** A host record, written as its agent would. */
const HOST = 'matrix-host';
const NO_SUCH_APP = { id: 'not_found', message: "Couldn't find that app." };
const per = (prefix: string) => (role: Role) => `${prefix}-${role}`;

let h: Harness;
const tokens = {} as Record<Role, string | undefined>;
/** Per caller: a token id and a key fingerprint of their own, to delete. */
const spareToken = {} as Record<Role, string>;
const spareKey = {} as Record<Role, string>;

const ROWS: Row[] = [
  // ---- an app: owner, collaborator and admin may; a stranger finds nothing
  { method: 'GET', path: `/apps/${APP}`, expect: statuses('200 200 404 200') },
  { method: 'GET', path: `/apps/${APP}/releases`, expect: statuses('200 200 404 200') },
  { method: 'GET', path: `/apps/${APP}/releases/1`, expect: statuses('200 200 404 200') },
  { method: 'POST', path: `/apps/${APP}/releases`, body: () => ({ release: 1 }), expect: statuses('201 201 404 201') },
  { method: 'GET', path: `/apps/${APP}/formation`, expect: statuses('200 200 404 200') },
  { method: 'GET', path: `/apps/${APP}/formation/web`, expect: statuses('200 200 404 200') },
  { method: 'GET', path: `/apps/${APP}/dynos`, expect: statuses('200 200 404 200') },
  { method: 'GET', path: `/apps/${APP}/config-vars`, expect: statuses('200 200 404 200') },
  {
    method: 'PATCH',
    path: `/apps/${APP}/config-vars`,
    body: (r) => ({ [`SET_BY_${r.toUpperCase()}`]: 'yes' }),
    expect: statuses('200 200 404 200'),
  },
  { method: 'GET', path: `/apps/${APP}/domains`, expect: statuses('200 200 404 200') },
  {
    method: 'POST',
    path: `/apps/${APP}/domains`,
    body: (r) => ({ hostname: `www-${r}.example.com` }),
    expect: statuses('201 201 404 201'),
  },
  { method: 'PATCH', path: `/apps/${APP}`, body: () => ({ maintenance: false }), expect: statuses('200 200 404 200') },
  { method: 'GET', path: `/apps/${APP}/dyno-policy`, expect: statuses('200 200 404 200') },
  {
    method: 'PATCH',
    path: `/apps/${APP}/dyno-policy`,
    body: (r) => ({ autosleep: `${ROLES.indexOf(r) + 1}h` }),
    expect: statuses('200 200 404 200'),
  },
  { method: 'POST', path: `/apps/${APP}/sleep`, expect: statuses('202 202 404 202') },
  { method: 'GET', path: `/apps/${APP}/collaborators`, expect: statuses('200 200 404 200') },
  // ---- owner-only: a collaborator is told so (403)
  {
    method: 'POST',
    path: `/apps/${APP}/collaborators`,
    body: (r) => ({ user: `target-${r}@example.com` }),
    expect: statuses('201 403 404 201'),
  },
  {
    method: 'DELETE',
    path: (r) => `/apps/${APP}/collaborators/leaver-${r}@example.com`,
    expect: statuses('200 403 404 200'),
  },
  {
    method: 'PATCH',
    path: (r) => `/apps/${per('rename')(r)}`,
    body: (r) => ({ name: per('renamed')(r) }),
    expect: statuses('200 403 404 200'),
  },
  {
    method: 'PATCH',
    label: `/apps/${APP} {pool}`,
    path: `/apps/${APP}`,
    body: (r) => ({ pool: { pool: r } }),
    expect: statuses('200 403 404 200'),
  },
  { method: 'DELETE', path: (r) => `/apps/${per('doomed')(r)}`, expect: statuses('200 403 404 200') },
  // ---- the caller's own account: any user
  { method: 'GET', path: '/account', expect: statuses('200 200 200 200') },
  { method: 'GET', path: '/apps', expect: statuses('200 200 200 200') },
  { method: 'POST', path: '/apps', body: (r) => ({ name: per('created')(r) }), expect: statuses('201 201 201 201') },
  { method: 'GET', path: '/account/keys', expect: statuses('200 200 200 200') },
  {
    method: 'POST',
    path: '/account/keys',
    body: (r) => ({ public_key: sshKey(`matrix-${r}`).pub }),
    expect: statuses('201 201 201 201'),
  },
  {
    method: 'DELETE',
    label: '/account/keys/<own key>',
    path: (r) => `/account/keys/${encodeURIComponent(spareKey[r] ?? 'SHA256:none')}`,
    expect: statuses('200 200 200 200'),
  },
  { method: 'GET', path: '/account/tokens', expect: statuses('200 200 200 200') },
  {
    method: 'POST',
    path: '/account/tokens',
    body: (r) => ({ description: `matrix ${r}` }),
    expect: statuses('201 201 201 201'),
  },
  {
    method: 'DELETE',
    label: '/account/tokens/<own token>',
    path: (r) => `/account/tokens/${spareToken[r] ?? '00000000-0000-0000-0000-000000000000'}`,
    expect: statuses('200 200 200 200'),
  },
  { method: 'GET', path: '/dyno-sizes', expect: statuses('200 200 200 200') },
  // ---- admins only
  {
    method: 'POST',
    path: '/users',
    body: (r) => ({ email: `new-${r}@example.com` }),
    expect: statuses('403 403 403 201'),
  },
  { method: 'GET', path: '/hosts', expect: statuses('403 403 403 200') },
  { method: 'GET', path: `/hosts/${HOST}`, expect: statuses('403 403 403 200') },
  {
    method: 'PATCH',
    path: `/hosts/${HOST}/tags`,
    body: (r) => ({ tags: { [`set-by-${r}`]: 'yes' } }),
    expect: statuses('403 403 403 200'),
  },
  { method: 'DELETE', path: `/hosts/${HOST}/tags`, expect: statuses('403 403 403 200') },
  // ---- no such route: users learn that, anonymous callers learn nothing
  { method: 'GET', path: '/no/such/route', expect: statuses('404 404 404 404') },
  // ---- the internal API takes the internal token only
  { method: 'GET', path: `/internal/apps/${APP}`, expect: statuses('401 401 401 401 401 401 200') },
  {
    method: 'POST',
    path: '/internal/authorize',
    body: () => ({ fingerprint: 'SHA256:unknown' }),
    expect: statuses('401 401 401 401 401 401 404'),
  },
];

async function ok(res: Promise<{ status: number; body: any }>, status: number): Promise<any> {
  const r = await res;
  if (r.status !== status) throw new Error(`setup: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

beforeAll(async () => {
  h = await startController('authz');
  const owner = await newUser(h, 'owner@example.com');
  const collaborator = await newUser(h, 'collab@example.com');
  const stranger = await newUser(h, 'stranger@example.com');
  const revoked = await ok(
    h.call('POST', '/account/tokens', { token: owner.token, body: { description: 'to revoke' } }),
    201,
  );
  await ok(h.call('DELETE', `/account/tokens/${revoked.id}`, { token: owner.token }), 200);
  Object.assign(tokens, {
    owner: owner.token,
    collaborator: collaborator.token,
    stranger: stranger.token,
    admin: h.adminToken,
    none: undefined,
    revoked: revoked.token,
    internal: h.internalToken,
  });

  await h.store.put(h.store.keys.host(HOST), {
    id: HOST,
    address: '127.0.0.1',
    tags: { pool: 'shared' },
    capacity: { memoryMb: 1024, cpus: 1 },
    registeredAt: new Date().toISOString(),
  });
  const asOwner = { token: owner.token };
  await ok(h.call('POST', '/apps', { ...asOwner, body: { name: APP } }), 201);
  await ok(h.call('POST', `/apps/${APP}/collaborators`, { ...asOwner, body: { user: 'collab@example.com' } }), 201);
  for (const image of ['paas/app-matrix:1', 'paas/app-matrix:2']) {
    await ok(
      h.call('POST', `/internal/apps/${APP}/releases`, {
        token: h.internalToken,
        body: { image, processTypes: { web: 'npm start' } },
      }),
      201,
    );
  }
  for (const role of ROLES) {
    await newUser(h, `target-${role}@example.com`);
    await newUser(h, `leaver-${role}@example.com`);
    await ok(
      h.call('POST', `/apps/${APP}/collaborators`, { ...asOwner, body: { user: `leaver-${role}@example.com` } }),
      201,
    );
    for (const app of [per('rename')(role), per('doomed')(role)]) {
      await ok(h.call('POST', '/apps', { ...asOwner, body: { name: app } }), 201);
      await ok(h.call('POST', `/apps/${app}/collaborators`, { ...asOwner, body: { user: 'collab@example.com' } }), 201);
    }
    const token = tokens[role];
    if (role === 'none' || role === 'revoked' || role === 'internal' || token === undefined) continue;
    spareToken[role] = (await ok(h.call('POST', '/account/tokens', { token, body: { description: 'spare' } }), 201)).id;
    spareKey[role] = (
      await ok(h.call('POST', '/account/keys', { token, body: { public_key: sshKey(`spare-${role}`).pub } }), 201)
    ).fingerprint;
  }
});
afterAll(async () => {
  await h?.close();
});

describe('authorization matrix', () => {
  it.each(
    ROWS.map(
      (row) =>
        [
          `${row.method} ${row.label ?? (typeof row.path === 'string' ? row.path : row.path('<caller>' as Role))}`,
          row,
        ] as const,
    ),
  )('%s', async (_name, row) => {
    const got = {} as Statuses;
    for (const role of ROLES) {
      const path = typeof row.path === 'string' ? row.path : row.path(role);
      const token = tokens[role];
      const res = await h.call(row.method, path, {
        ...(token !== undefined && { token }),
        ...(row.body && { body: row.body(role) }),
      });
      got[role] = res.status;
      if (res.status === 401) expect(res.body.id, `${role} ${path}`).toBe('unauthorized');
      if (role === 'stranger' && res.status === 404 && path.startsWith('/apps/'))
        expect(res.body, `${role} ${path}`).toEqual(NO_SUCH_APP);
    }
    expect(got).toEqual(row.expect);
  });

  it('gives a stranger the same answer for an app that exists as for one that does not', async () => {
    const missing = await h.call('GET', '/apps/no-such-app', { token: tokens.stranger! });
    const hidden = await h.call('GET', `/apps/${APP}`, { token: tokens.stranger! });
    expect(hidden).toEqual(missing);
  });

  it('left the owner-only targets as the matrix says: only the owner and admin changed them', async () => {
    const apps = (await h.call('GET', '/apps', { token: h.adminToken })).body.map(
      (a: { name: string }) => a.name,
    ) as string[];
    expect(apps).toEqual(
      expect.arrayContaining([
        'renamed-owner',
        'renamed-admin',
        'rename-collaborator',
        'rename-stranger',
        'doomed-collaborator',
        'doomed-stranger',
      ]),
    );
    expect(apps).not.toEqual(expect.arrayContaining(['doomed-owner']));
    expect(apps).not.toContain('doomed-admin');
    const access = (await h.call('GET', `/apps/${APP}/collaborators`, { token: tokens.owner! })).body.map(
      (c: { user: { email: string } }) => c.user.email,
    ) as string[];
    expect(access).toEqual(
      expect.arrayContaining([
        'target-owner@example.com',
        'target-admin@example.com',
        'leaver-collaborator@example.com',
        'leaver-stranger@example.com',
      ]),
    );
    expect(access).not.toContain('target-collaborator@example.com');
    expect(access).not.toContain('leaver-owner@example.com');
  });
});
