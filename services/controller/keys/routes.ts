import { Router } from 'express';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import { addKey, listKeys, removeKey } from './keys.js';

// A user's own SSH keys. Mounted inside userRoutes (the caller is authenticated).

export function keyRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/account/keys', async (_req, res) => {
    res.json(await listKeys(deps.repo, userOf(res)));
  });

  r.post('/account/keys', async (req, res) => {
    res.status(201).json(await addKey(deps.repo, userOf(res), bodyOf(req).public_key));
  });

  r.delete('/account/keys/:id', async (req, res) => {
    res.json(await removeKey(deps.repo, userOf(res), param(req, 'id')));
  });

  return r;
}
