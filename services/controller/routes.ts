import { Router } from 'express';
import { accessRoutes } from './access/routes.js';
import { activityRoutes } from './activity/routes.js';
import { addonRoutes } from './addons/routes.js';
import { appRoutes } from './apps/routes.js';
import { buildpackRoutes } from './buildpacks/routes.js';
import { buildRoutes, internalBuildRoutes } from './builds/routes.js';
import { certRoutes } from './certs/routes.js';
import { configRoutes } from './configvars/routes.js';
import type { Deps } from './deps.js';
import { domainRoutes } from './domains/routes.js';
import { featureRoutes } from './features/routes.js';
import { hostRoutes } from './hosts/routes.js';
import { requireInternal, requireUser } from './http.js';
import { internalAppRoutes } from './internal/routes.js';
import { keyRoutes } from './keys/routes.js';
import { logUserRoutes } from './logs/routes.js';
import { internalMetricsRoutes, metricsRoutes } from './metrics/routes.js';
import { pipelineRoutes } from './pipelines/routes.js';
import { psRoutes } from './ps/routes.js';
import { releaseRoutes } from './releases/routes.js';
import { runRoutes } from './runs/routes.js';
import { statusRoutes } from './status/routes.js';
import { passwordLoginRoute, tokenRoutes } from './tokens/routes.js';
import { userAccountRoutes } from './users/routes.js';

// Every resource's routes (<resource>/routes.ts), mounted behind their
// authentication. Handlers are thin: read the request, call a domain
// function, answer; errors thrown (or rejected) reach the error middleware.

/** The users' API: Authorization: Bearer <user token> (and Basic email:password for POST /account/tokens only). */
export function userRoutes(deps: Deps): Router {
  const r = Router();
  r.use(passwordLoginRoute(deps));
  r.use(requireUser(deps.repo));
  for (const routes of [
    accessRoutes,
    appRoutes,
    activityRoutes,
    addonRoutes,
    domainRoutes,
    certRoutes,
    featureRoutes,
    configRoutes,
    releaseRoutes,
    pipelineRoutes,
    psRoutes,
    buildpackRoutes,
    buildRoutes,
    hostRoutes,
    statusRoutes,
    logUserRoutes,
    metricsRoutes,
    runRoutes,
    tokenRoutes,
    keyRoutes,
    userAccountRoutes,
  ]) {
    r.use(routes(deps));
  }
  return r;
}

/** The builder's and scheduler's API: Authorization: Bearer $PAAS_INTERNAL_TOKEN. */
export function internalRoutes(deps: Deps, internalToken: string): Router {
  const r = Router();
  r.use(requireInternal(internalToken));
  r.use(internalBuildRoutes(deps));
  r.use(internalAppRoutes(deps));
  r.use(internalMetricsRoutes(deps));
  return r;
}
