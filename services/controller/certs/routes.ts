import { Router } from 'express';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import { autoStatus, disableAuto, enableAuto } from './auto.js';
import { certInfo, listCerts, putCert, removeCert } from './certs.js';

// An app's TLS certificate (uploaded). Mounted inside userRoutes (after requireUser).

export function certRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/apps/:app/certs', async (req, res) => {
    res.json(await listCerts(deps, await visibleApp(deps, userOf(res), param(req, 'app'))));
  });

  // Automatic certificates (auto.ts), before /certs/:id.
  r.get('/apps/:app/certs/auto', async (req, res) => {
    res.json(await autoStatus(deps, await visibleApp(deps, userOf(res), param(req, 'app'))));
  });

  r.post('/apps/:app/certs/auto', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.status(201).json(await enableAuto(deps, app));
  });

  r.delete('/apps/:app/certs/auto', async (req, res) => {
    res.json(await disableAuto(deps, await visibleApp(deps, userOf(res), param(req, 'app'))));
  });

  r.get('/apps/:app/certs/:id', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.json(await certInfo(deps, app, param(req, 'id')));
  });

  r.post('/apps/:app/certs', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.status(201).json(await putCert(deps, app, bodyOf(req), false));
  });

  r.put('/apps/:app/certs/:id', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    await certInfo(deps, app, param(req, 'id')); // 404 for another id
    res.json(await putCert(deps, app, bodyOf(req), true));
  });

  r.delete('/apps/:app/certs/:id', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.json(await removeCert(deps, app, param(req, 'id')));
  });

  return r;
}
