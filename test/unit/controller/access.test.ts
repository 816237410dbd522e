import { describe, expect, it } from 'vitest';
import { PaasError } from '../../../services/core/errors.js';
import type { App, Collaborator, User } from '../../../services/core/types.js';
import { collaboratorViews, parseCollaboratorRequest } from '../../../services/controller/access/collaborators.js';
import { canSee } from '../../../services/controller/apps/apps.js';
import { hashToken } from '../../../services/controller/auth.js';
import { mintedToken, parseDescription, tokenView } from '../../../services/controller/tokens/tokens.js';

// Collaborators and tokens: the pure parts.

const user = (id: string, admin = false): User => ({
  id,
  email: `${id}@example.com`,
  admin,
  createdAt: '2024-01-01T00:00:00.000Z',
});
const owner = user('owner');
const carol = user('carol');
const root = user('root', true);
const app: App = {
  name: 'my-app',
  id: 'app-1',
  owner: owner.id,
  createdAt: '2024-01-02T00:00:00.000Z',
  latestRelease: 0,
};
const grant = (u: string, appId = app.id): Collaborator => ({
  user: u,
  app: app.name,
  appId,
  createdAt: '2024-01-03T00:00:00.000Z',
});

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    return e instanceof PaasError ? e.code : 'not a PaasError';
  }
}

describe('canSee', () => {
  it('lets the owner and admins see the app without a grant', () => {
    expect(canSee(owner, app)).toBe(true);
    expect(canSee(root, app)).toBe(true);
    expect(canSee(carol, app)).toBe(false);
  });

  it('lets a collaborator in only with their own grant on this very app', () => {
    expect(canSee(carol, app, grant('carol'))).toBe(true);
    expect(canSee(carol, app, grant('dave'))).toBe(false);
    expect(canSee(carol, app, grant('carol', 'id-of-a-destroyed-namesake'))).toBe(false);
    // after a rename the grant (moved with the app) still names the same app id
    expect(canSee(carol, { ...app, name: 'renamed' }, grant('carol'))).toBe(true);
  });
});

describe('collaboratorViews', () => {
  it('puts the owner first, then collaborators by email, with Heroku field names', () => {
    const views = collaboratorViews(app, owner, [
      { record: grant('zed'), user: user('zed') },
      { record: grant('amy'), user: user('amy') },
      { record: grant('gone'), user: undefined },
    ]);
    expect(views.map((v) => [v.user.email, v.role])).toEqual([
      ['owner@example.com', 'owner'],
      ['amy@example.com', 'collaborator'],
      [null, 'collaborator'], // a deleted user sorts by id
      ['zed@example.com', 'collaborator'],
    ]);
    expect(views[0]).toEqual({
      id: 'owner',
      user: { id: 'owner', email: 'owner@example.com' },
      role: 'owner',
      created_at: app.createdAt,
    });
    expect(views[1]).toEqual({
      id: 'amy',
      user: { id: 'amy', email: 'amy@example.com' },
      role: 'collaborator',
      created_at: '2024-01-03T00:00:00.000Z',
    });
  });

  it('never lists the owner twice', () => {
    expect(collaboratorViews(app, owner, [{ record: grant('owner'), user: owner }])).toHaveLength(1);
  });
});

describe('parseCollaboratorRequest', () => {
  it('takes the user as a normalised email, else 422', () => {
    expect(parseCollaboratorRequest({ user: ' Dev@Example.COM ' })).toBe('dev@example.com');
    expect(codeOf(() => parseCollaboratorRequest({}))).toBe('invalid_params');
    expect(codeOf(() => parseCollaboratorRequest({ user: 'dev' }))).toBe('invalid_params');
    expect(codeOf(() => parseCollaboratorRequest({ user: { email: 'a@b' } }))).toBe('invalid_params');
  });
});

describe('tokens', () => {
  it('mints a token whose record holds only its hash, an id and its last four characters', () => {
    const now = new Date('2024-05-01T10:20:30.000Z');
    const a = mintedToken('carol', 'ci', now);
    const b = mintedToken('carol', 'ci', now);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.hash).toBe(hashToken(a.token));
    expect(a.record).toEqual({
      user: 'carol',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      description: 'ci',
      createdAt: '2024-05-01T10:20:30.000Z',
      last4: a.token.slice(-4),
    });
    expect(JSON.stringify(a.record)).not.toContain(a.token);
    expect(b.token).not.toBe(a.token);
    expect(b.record.id).not.toBe(a.record.id);
  });

  it('shows a token without its secret', () => {
    expect(tokenView('t1', { user: 'carol', id: 't1', description: 'ci', createdAt: 'T', last4: 'abcd' })).toEqual({
      id: 't1',
      description: 'ci',
      created_at: 'T',
      expires_at: null,
      last4: 'abcd',
    });
    expect(tokenView('t0', { user: 'carol', description: 'old', createdAt: 'T' })).toEqual({
      id: 't0',
      description: 'old',
      created_at: 'T',
      expires_at: null,
    });
  });

  it('accepts an optional, short, printable description', () => {
    expect(parseDescription(undefined)).toBe('');
    expect(parseDescription(null)).toBe('');
    expect(parseDescription('  deploy bot ')).toBe('deploy bot');
    expect(parseDescription('x'.repeat(200))).toHaveLength(200);
    expect(codeOf(() => parseDescription('x'.repeat(201)))).toBe('invalid_params');
    expect(codeOf(() => parseDescription(12))).toBe('invalid_params');
    expect(codeOf(() => parseDescription('a\u0000b'))).toBe('invalid_params');
  });
});
