import { Router, type Request, type Response } from 'express';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { dynoOf, dynosOf } from './dynos.js';
import { formationEntryOf, formationOf, parseBatch, parseUpdate, sizesView, updateFormation } from './formation.js';
import { parseRestartTarget, restartDynos } from './restarts.js';
import { bodyOf, logOf, param, userOf } from '../http.js';
import { platformRecords } from '../logs/events.js';
import {
  parsePolicyUpdate,
  policyChanges,
  policyLines,
  policyOf,
  requestSleep,
  sleepLine,
  updatePolicy,
} from './policy.js';
import { recordEvent, restartDescription, scaleDescription } from '../activity/activity.js';
import type { FormationEntryView } from '../../core/api.js';

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

  /** Records a scale in the activity feed. */
  const scaled = (res: Response, name: string, entries: FormationEntryView[]) =>
    recordEvent(deps, logOf(res), name, { kind: 'scale', user: userOf(res), description: scaleDescription(entries) });

  r.patch('/apps/:app/formation', async (req, res) => {
    const a = await app(req, res);
    const entries = await updateFormation(deps, a, parseBatch(bodyOf(req)));
    await scaled(res, a.name, entries);
    res.json(entries);
  });

  r.patch('/apps/:app/formation/:type', async (req, res) => {
    const a = await app(req, res);
    const entries = await updateFormation(deps, a, [parseUpdate(bodyOf(req), param(req, 'type'))]);
    await scaled(res, a.name, entries);
    res.json(entries[0]);
  });

  r.get('/apps/:app/dynos', async (req, res) => {
    res.json(await dynosOf(deps, await app(req, res)));
  });

  r.get('/apps/:app/dynos/:dyno', async (req, res) => {
    res.json(await dynoOf(deps, await app(req, res), param(req, 'dyno')));
  });

  const restart = async (req: Request, res: Response, dyno: string | undefined) => {
    const a = await app(req, res);
    const done = await restartDynos(deps, a, parseRestartTarget(dyno));
    const description = restartDescription(done.target);
    await recordEvent(deps, logOf(res), a.name, { kind: 'restart', user: userOf(res), description });
    res.status(202).json(done);
  };

  r.delete('/apps/:app/dynos', (req, res) => restart(req, res, undefined));

  r.delete('/apps/:app/dynos/:dyno', (req, res) => restart(req, res, param(req, 'dyno')));

  r.get('/apps/:app/dyno-policy', async (req, res) => {
    res.json(await policyOf(deps, await app(req, res)));
  });

  r.patch('/apps/:app/dyno-policy', async (req, res) => {
    const a = await app(req, res);
    const { view, before, after } = await updatePolicy(deps, a.name, parsePolicyUpdate(bodyOf(req)));
    await tell(res, a.name, policyLines(before, after, userOf(res).email));
    const changes = policyChanges(before, after);
    if (changes.length > 0)
      await recordEvent(deps, logOf(res), a.name, {
        kind: 'policy',
        user: userOf(res),
        description: changes.join('; '),
      });
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
