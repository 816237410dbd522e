import { Router } from 'express';
import type { Deps } from '../deps.js';
import { addressOf, bodyOf, requireAdmin, userOf } from '../http.js';
import { parsePasswordChange, setPassword } from './login.js';
import { accountView, createUser, normaliseEmail, parseAdminFlag } from './users.js';

// The caller's account, and users made by an admin. Mounted inside userRoutes.

export function userAccountRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/account', (_req, res) => {
    res.json(accountView(userOf(res)));
  });

  r.put('/account/password', async (req, res) => {
    await setPassword(deps, userOf(res), parsePasswordChange(bodyOf(req)), addressOf(req));
    res.status(204).end();
  });

  r.post('/users', requireAdmin(), async (req, res) => {
    const body = bodyOf(req);
    const created = await createUser(deps.repo, {
      email: normaliseEmail(body.email),
      admin: parseAdminFlag(body.admin),
    });
    res.status(201).json({ user: accountView(created.user), token: created.token });
  });

  return r;
}
