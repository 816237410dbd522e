import { Router } from 'express';
import { invalid } from '../../core/errors.js';
import { isAppName } from '../../core/names.js';
import { isMinuteSample, RANGES } from '../../core/metricseries.js';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import type { AppSample } from '../../core/metricpost.js';
import { REPLICATED_HEADER } from '../peers/replicate.js';
import { bodyOf, param, userOf } from '../http.js';

// An app's metrics: GET /apps/<app>/metrics?range=1h|2h|24h|7d (users), and
// POST /internal/metrics (routers and agents: what they saw each minute),
// copied to the other controllers (peers/replicate.ts): each holds every app's series.

/** Samples taken in one POST at most. */
export const MAX_SAMPLES = 1000;

export function metricsRoutes(deps: Deps): Router {
  const r = Router();
  r.get('/apps/:app/metrics', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    const range = typeof req.query.range === 'string' ? req.query.range : '1h';
    const rangeS = RANGES[range];
    if (rangeS === undefined) throw invalid(`range must be one of ${Object.keys(RANGES).join(', ')}, not ${range}`);
    res.json(deps.series.view(app.name, range, rangeS));
  });
  return r;
}

export function internalMetricsRoutes(deps: Deps): Router {
  const r = Router();
  r.post('/metrics', (req, res) => {
    const samples = bodyOf(req).samples;
    if (!Array.isArray(samples) || samples.length > MAX_SAMPLES)
      throw invalid(`Give "samples": a list of at most ${MAX_SAMPLES} {app, t, ...}`);
    // all or nothing: a bad sample refuses the whole body
    for (const s of samples as unknown[]) {
      const app = (s as { app?: unknown } | null)?.app;
      if (typeof app !== 'string' || !isAppName(app) || !isMinuteSample(s))
        throw invalid(
          `A sample is not {app, t (a minute, epoch s), ok, failed, latency, memory}: ${JSON.stringify(s)}`,
        );
    }
    for (const { app, ...sample } of samples as AppSample[]) deps.series.add(app, sample);
    // to the other controllers, unless this is their copy (peers/replicate.ts)
    if (req.get(REPLICATED_HEADER) === undefined) deps.peers?.replicator.samples(samples as AppSample[]);
    res.status(202).json({ taken: samples.length });
  });
  return r;
}
