import { Router } from 'express';
import type { Deps } from '../deps.js';
import { requireAdmin } from '../http.js';
import { platformStatus } from './status.js';

/** GET /status: admins only; mounted inside userRoutes. */
export function statusRoutes(deps: Deps): Router {
  const r = Router();
  r.get('/status', requireAdmin(), async (_req, res) => {
    res.json(await platformStatus(deps.dirs.state, deps.dirs.engine));
  });
  return r;
}
