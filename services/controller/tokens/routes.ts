import { Router } from 'express';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import { createToken, listTokens, parseDescription, revokeToken } from './tokens.js';

// A user's own API tokens. Mounted inside userRoutes (the caller is authenticated).

export function tokenRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/account/tokens', async (_req, res) => {
    res.json(await listTokens(deps, userOf(res)));
  });

  r.post('/account/tokens', async (req, res) => {
    res.status(201).json(await createToken(deps.repo, userOf(res), parseDescription(bodyOf(req).description)));
  });

  r.delete('/account/tokens/:id', async (req, res) => {
    res.json(await revokeToken(deps, userOf(res), param(req, 'id')));
  });

  return r;
}
