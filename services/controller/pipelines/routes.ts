import { Router } from 'express';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';
import {
  addToPipeline,
  appCoupling,
  createPipeline,
  destroyPipeline,
  listPipelinesFor,
  parseCouplingCreate,
  parsePipelineCreate,
  pipelineInfo,
  removeFromPipeline,
} from './pipelines.js';
import { parsePromotion, promote } from './promote.js';

// Pipelines: create, list, info, destroy; an app's coupling (add, show,
// remove); promotions. Mounted inside userRoutes (after requireUser).

export function pipelineRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/pipelines', async (_req, res) => {
    res.json(await listPipelinesFor(deps, userOf(res)));
  });

  r.post('/pipelines', async (req, res) => {
    res.status(201).json(await createPipeline(deps, userOf(res), parsePipelineCreate(bodyOf(req))));
  });

  r.get('/pipelines/:pipeline', async (req, res) => {
    res.json(await pipelineInfo(deps, userOf(res), param(req, 'pipeline')));
  });

  r.delete('/pipelines/:pipeline', async (req, res) => {
    res.json(await destroyPipeline(deps, userOf(res), param(req, 'pipeline')));
  });

  r.post('/pipeline-couplings', async (req, res) => {
    res.status(201).json(await addToPipeline(deps, userOf(res), parseCouplingCreate(bodyOf(req))));
  });

  r.get('/apps/:app/pipeline-couplings', async (req, res) => {
    res.json(await appCoupling(deps, userOf(res), param(req, 'app')));
  });

  r.delete('/apps/:app/pipeline-couplings', async (req, res) => {
    res.json(await removeFromPipeline(deps, userOf(res), param(req, 'app')));
  });

  r.post('/pipeline-promotions', async (req, res) => {
    res.status(201).json(await promote(deps, userOf(res), parsePromotion(bodyOf(req))));
  });

  return r;
}
