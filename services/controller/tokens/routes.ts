import { Router, type RequestHandler } from 'express';
import type { Deps } from '../deps.js';
import type { User } from '../../core/types.js';
import { unauthorized } from '../../core/errors.js';
import { basicCredentials, INVALID_CREDENTIALS } from '../auth.js';
import { addressOf, bodyOf, param, userOf } from '../http.js';
import { passwordLogin } from '../users/login.js';
import { createToken, listTokens, parseTokenRequest, revokeToken } from './tokens.js';

// A user's own API tokens. Mounted inside userRoutes (the caller is authenticated), but for passwordLogin, which
// userRoutes mounts before its bearer check.

export function tokenRoutes(deps: Deps): Router {
  const r = Router();

  r.get('/account/tokens', async (_req, res) => {
    res.json(await listTokens(deps, userOf(res)));
  });

  r.post('/account/tokens', async (req, res) => {
    const { description, expiresInS } = parseTokenRequest(bodyOf(req));
    res.status(201).json(await createToken(deps.repo, userOf(res), description, expiresInS));
    pruneAfterLogin(deps, userOf(res));
  });

  r.delete('/account/tokens/:id', async (req, res) => {
    res.json(await revokeToken(deps, userOf(res), param(req, 'id')));
  });

  return r;
}

/**
 * POST /account/tokens with `Authorization: Basic base64(email:password)`: a login (the dashboard's). Any other
 * request goes on to the bearer check.
 */
export function passwordLoginRoute(deps: Deps): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (req.method !== 'POST' || req.path !== '/account/tokens' || !header || !/^Basic\s/i.test(header)) {
      next();
      return;
    }
    const credentials = basicCredentials(header);
    if (!credentials) throw unauthorized(INVALID_CREDENTIALS);
    const request = parseTokenRequest(bodyOf(req)); // a bad body is refused before any password is checked
    const user = await passwordLogin(deps, credentials, addressOf(req));
    res.status(201).json(await createToken(deps.repo, user, request.description, request.expiresInS));
    pruneAfterLogin(deps, user);
  };
}

/** After a new token, the user's expired ones are deleted (listTokens does it), in the background; a failure only logs. */
function pruneAfterLogin(deps: Deps, user: User): void {
  listTokens(deps, user).catch((err: unknown) =>
    deps.logger.warn({ err, user: user.id }, 'could not delete the expired tokens'),
  );
}
