import { Router, type Request, type Response } from 'express';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { dynoOf, dynosOf } from './dynos.js';
import { formationEntryOf, formationOf, parseBatch, parseUpdate, sizesView, updateFormation } from './formation.js';
import { parseRestartTarget, restartDynos } from './restarts.js';
import { bodyOf, logOf, param, userOf } from '../http.js';
import { platformRecords } from '../logs/events.js';
import { parsePolicyUpdate, policyLines, policyOf, requestSleep, sleepLine, updatePolicy } from './policy.js';

// Formation (scale), dyno sizes, dynos (ps), restarts, the dyno policy
// (autosleep, lifetime) and sleep requests. Mounted inside userRoutes, so
// every handler has an authenticated user; apps the user may not see are 404.

export function psRoutes(deps: Deps): Router {
  const r = Router();
  const app = (req: Request, res: Response) => visibleApp(deps, userOf(res), param(req, 'app'));
  /** `paas[api]` lines in the app's log; the change is made already, so a log that fails is only logged. */
  const tell = async (res: Response, name: string, lines: string[]) => {
    await deps.logs.store
      .append(name, platformRecords(lines))
      .catch((err: unknown) => logOf(res).warn({ err, app: name }, 'cannot log platform event'));
  };

  r.get('/dyno-sizes', (_req, res) => {
    res.json(sizesView());
  });

  r.get('/apps/:app/formation', async (req, res) => {
    res.json(await formationOf(deps, await app(req, res)));
  });

  r.get('/apps/:app/formation/:type', async (req, res) => {
    res.json(await formationEntryOf(deps, await app(req, res), param(req, 'type')));
  });

  r.patch('/apps/:app/formation', async (req, res) => {
    const a = await app(req, res);
    res.json(await updateFormation(deps, a, parseBatch(bodyOf(req))));
  });

  r.patch('/apps/:app/formation/:type', async (req, res) => {
    const a = await app(req, res);
    const [entry] = await updateFormation(deps, a, [parseUpdate(bodyOf(req), param(req, 'type'))]);
    res.json(entry);
  });

  r.get('/apps/:app/dynos', async (req, res) => {
    res.json(await dynosOf(deps, await app(req, res)));
  });

  r.get('/apps/:app/dynos/:dyno', async (req, res) => {
    res.json(await dynoOf(deps, await app(req, res), param(req, 'dyno')));
  });

  r.delete('/apps/:app/dynos', async (req, res) => {
    res.status(202).json(await restartDynos(deps, await app(req, res), parseRestartTarget(undefined)));
  });

  r.delete('/apps/:app/dynos/:dyno', async (req, res) => {
    const a = await app(req, res);
    res.status(202).json(await restartDynos(deps, a, parseRestartTarget(param(req, 'dyno'))));
  });

  r.get('/apps/:app/dyno-policy', async (req, res) => {
    res.json(await policyOf(deps, await app(req, res)));
  });

  r.patch('/apps/:app/dyno-policy', async (req, res) => {
    const a = await app(req, res);
    const { view, before, after } = await updatePolicy(deps, a.name, parsePolicyUpdate(bodyOf(req)));
    await tell(res, a.name, policyLines(before, after, userOf(res).email));
    res.json(view);
  });

  r.post('/apps/:app/sleep', async (req, res) => {
    const a = await app(req, res);
    const asked = await requestSleep(deps, a, userOf(res));
    await tell(res, a.name, [sleepLine(userOf(res).email)]);
    res.status(202).json(asked);
  });

  return r;
}
