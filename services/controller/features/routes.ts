import { Router } from 'express';
import type { FeatureView } from '../../core/api.js';
import { invalid } from '../../core/errors.js';
import { FEATURES, featureNamed, hasFeature, withFeature } from '../../core/features.js';
import type { App } from '../../core/types.js';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { bodyOf, param, userOf } from '../http.js';

// An app's features (core/features.ts): listed, shown, turned on or off by
// PATCH {enabled} on the app record (the scheduler copies them into the
// route). Mounted inside userRoutes (after requireUser).

const view = (app: App, name: string): FeatureView => {
  const f = featureNamed(name);
  return { name: f.name, description: f.description, enabled: hasFeature(app, f.name) };
};

export function featureRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/apps/:app/features', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.json(FEATURES.map((f) => view(app, f.name)));
  });

  r.get('/apps/:app/features/:name', async (req, res) => {
    res.json(view(await visibleApp(deps, userOf(res), param(req, 'app')), param(req, 'name')));
  });

  r.patch('/apps/:app/features/:name', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    const name = featureNamed(param(req, 'name')).name;
    const enabled = bodyOf(req).enabled;
    if (typeof enabled !== 'boolean') throw invalid('Give "enabled": true or false');
    const { store } = deps;
    const saved = await store.transact(
      async (tx) => {
        const cur = await tx.readApp(app.name);
        const features = withFeature(cur.features, name, enabled);
        const { features: _old, ...rest } = cur;
        return tx.put<App>(store.keys.app(app.name), { ...rest, ...(features.length > 0 && { features }) });
      },
      { conflict: `Too many concurrent changes to ${app.name}; try again` },
    );
    res.json(view(saved, name));
  });

  return r;
}
