import { Router } from 'express';
import { addCollaborator, listCollaborators, parseCollaboratorRequest, removeCollaborator } from './collaborators.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';

// An app's collaborators. Mounted inside userRoutes (the caller is authenticated).

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

  return r;
}
