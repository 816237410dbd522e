import { Router } from 'express';
import { addCollaborator, listCollaborators, parseCollaboratorRequest, removeCollaborator } from './collaborators.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import { removeKey } from '../keys/keys.js';
import { createToken, listTokens, parseDescription, revokeToken } from '../tokens/tokens.js';

// Who may do what: an app's collaborators, a user's own API tokens, removing
// one's own SSH keys. Mounted inside userRoutes (the caller is authenticated).

export function accessRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/apps/:app/collaborators', async (req, res) => {
    res.json(await listCollaborators(deps, userOf(res), param(req, 'app')));
  });

  r.post('/apps/:app/collaborators', async (req, res) => {
    const email = parseCollaboratorRequest(bodyOf(req));
    res.status(201).json(await addCollaborator(deps, userOf(res), param(req, 'app'), email));
  });

  r.delete('/apps/:app/collaborators/:who', async (req, res) => {
    res.json(await removeCollaborator(deps, userOf(res), param(req, 'app'), param(req, 'who')));
  });

  r.get('/account/tokens', async (_req, res) => {
    res.json(await listTokens(deps, userOf(res)));
  });

  r.post('/account/tokens', async (req, res) => {
    res.status(201).json(await createToken(deps.repo, userOf(res), parseDescription(bodyOf(req).description)));
  });

  r.delete('/account/tokens/:id', async (req, res) => {
    res.json(await revokeToken(deps, userOf(res), param(req, 'id')));
  });

  r.delete('/account/keys/:id', async (req, res) => {
    res.json(await removeKey(deps.repo, userOf(res), param(req, 'id')));
  });

  return r;
}
