import { Router } from 'express';
import type { Deps } from '../deps.js';
import { bodyOf, requireAdmin, userOf } from '../http.js';
import { accountView, createUser, normaliseEmail, parseAdminFlag } from './users.js';

// The caller's account, and users made by an admin. Mounted inside userRoutes.

export function userAccountRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/account', (_req, res) => {
    res.json(accountView(userOf(res)));
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
