import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import express, {
  type ErrorRequestHandler,
  type Express,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { Logger } from '../core/logger.js';
import { login, parseCredentials, sessionView, type Answer, type LoginApiFor } from './login.js';
import type { DashboardMetrics, RequestKind } from './metrics.js';
import {
  apiPath,
  clearedCookie,
  cookieValue,
  csrfMatches,
  isHttps,
  needsCsrf,
  originProblem,
  SECURITY_HEADERS,
  sessionCookie,
} from './policy.js';
import type { ApiProxy } from './proxy.js';
import { openSession, sealSession, type Session } from './session.js';

// The dashboard's HTTP server (express 5): its page and files, the session
// (GET/POST/DELETE /session) and the API behind /api, for the one host the
// router serves it at (dashboard.<PAAS_DOMAIN>). Every answer carries the
// security headers (policy.ts), 404s and errors too. No token or cookie is
// ever logged: a request's line has its method, path, status and time.

export interface DashboardDeps {
  /** The UI's files: index.html and assets/ (PAAS_DASHBOARD_ASSETS). */
  assetsDir: string;
  sessionKey: Buffer;
  /** The login calls to the API, per browser request (login.ts). */
  loginApi: LoginApiFor;
  proxy: ApiProxy;
  log: Logger;
  metrics?: DashboardMetrics;
  now?: () => number;
}

const json = (res: Response, status: number, body: unknown) => res.status(status).json(body);
const problem = (res: Response, status: number, id: string, message: string) => json(res, status, { id, message });

function kindOf(path: string): RequestKind {
  if (path === '/session') return 'session';
  if (path.startsWith('/api/')) return 'api';
  if (path.startsWith('/assets/')) return 'asset';
  return 'other';
}

export function createDashboard(deps: DashboardDeps): Express {
  const { log, metrics, proxy } = deps;
  const now = deps.now ?? Date.now;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', false);

  // Every answer: the security headers, then one log line and a count when it ends.
  app.use((req, res, next) => {
    res.set(SECURITY_HEADERS);
    const start = process.hrtime.bigint();
    const path = req.path;
    res.on('finish', () => {
      const kind = res.locals.page === true ? 'page' : kindOf(path);
      metrics?.answered(kind, res.statusCode);
      const ms = Math.round(Number(process.hrtime.bigint() - start) / 1e5) / 10;
      const line = { req: randomBytes(4).toString('hex'), method: req.method, path, status: res.statusCode, ms };
      if (kind === 'asset' || kind === 'page') log.debug(line, 'request');
      else log.info(line, 'request');
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.set('cache-control', 'no-store');
    json(res, 200, { ok: true });
  });

  const sessionOf = (req: Request): Session | undefined =>
    openSession(cookieValue(req.get('cookie')), deps.sessionKey, now());
  const forwardedFor = (req: Request) =>
    [req.get('x-forwarded-for'), req.socket.remoteAddress].filter(Boolean).join(', ') || undefined;
  const setSession = (req: Request, res: Response, s: Session) =>
    res.append(
      'Set-Cookie',
      sessionCookie(sealSession(s, deps.sessionKey), {
        secure: isHttps(req.headers),
        maxAgeS: (s.expiresAt - now()) / 1000,
      }),
    );
  const clearSession = (req: Request, res: Response) => res.append('Set-Cookie', clearedCookie(isHttps(req.headers)));
  const passOn = (res: Response, a: Answer) => {
    if (a.retryAfter !== undefined) res.set('retry-after', a.retryAfter);
    json(res, a.status, a.body ?? { id: 'unavailable', message: `The platform API answered ${a.status}.` });
  };

  const session = express.Router();
  session.all('/session', (_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  });

  // The session, checked with the API (a token revoked elsewhere ends it here too).
  session.get('/session', async (req, res) => {
    const s = sessionOf(req);
    if (!s) {
      if (req.get('cookie')?.includes('paas_session=')) clearSession(req, res);
      return problem(res, 401, 'unauthorized', 'Not logged in.');
    }
    const me = await deps.loginApi(forwardedFor(req)).account(s.token);
    if (me.status === 401) {
      clearSession(req, res);
      return problem(res, 401, 'unauthorized', 'The session has ended; log in again.');
    }
    if (me.status !== 200) return passOn(res, me.status >= 500 ? { ...me, status: 502 } : me);
    json(res, 200, sessionView(s));
  });

  const requireJson: RequestHandler = (req, res, next) => {
    if (!req.is('application/json'))
      return void problem(
        res,
        415,
        'unsupported_media_type',
        'Send the credentials as Content-Type: application/json.',
      );
    const why = originProblem(req.headers);
    if (why) return void problem(res, 403, 'forbidden', `Cross-site login refused: ${why}.`);
    next();
  };

  session.post('/session', requireJson, express.json({ limit: '16kb', type: 'application/json' }), async (req, res) => {
    const creds = parseCredentials(req.body);
    if (typeof creds === 'string') return problem(res, 422, 'invalid_params', creds);
    const api = deps.loginApi(forwardedFor(req));
    const result = await login(api, creds, now());
    metrics?.login(creds.kind, result.ok ? 200 : result.answer.status);
    if (!result.ok) return passOn(res, result.answer);
    // A session this browser had before ends with the new one.
    const before = sessionOf(req);
    if (before) await api.revoke(before.token, before.tokenId);
    setSession(req, res, result.session);
    log.info({ email: result.session.email, method: creds.kind }, 'logged in');
    json(res, 200, sessionView(result.session));
  });

  session.delete('/session', async (req, res) => {
    const s = sessionOf(req);
    if (!s) {
      clearSession(req, res);
      return void res.status(204).end();
    }
    const why = originProblem(req.headers);
    if (why) return problem(res, 403, 'forbidden', `Cross-site request refused: ${why}.`);
    if (!csrfMatches(req.get('x-csrf-token'), s.csrf))
      return problem(res, 403, 'forbidden', 'Missing or wrong X-CSRF-Token.');
    const gone = await deps.loginApi(forwardedFor(req)).revoke(s.token, s.tokenId);
    // 404: revoked already (paas auth:tokens:revoke); 401: the token itself no longer works
    if (gone.status !== 200 && gone.status !== 404 && gone.status !== 401)
      return passOn(res, gone.status >= 500 ? { ...gone, status: 502 } : gone);
    clearSession(req, res);
    log.info({ email: s.email }, 'logged out');
    res.status(204).end();
  });
  app.use(session);

  // The API, as the session's user.
  app.use('/api', (req, res) => {
    res.set('cache-control', 'no-store');
    const path = apiPath(req.originalUrl);
    if (path === undefined) return problem(res, 404, 'not_found', `No route for ${req.method} ${req.path}`);
    const s = sessionOf(req);
    if (!s) return problem(res, 401, 'unauthorized', 'Not logged in.');
    if (needsCsrf(req.method)) {
      const why = originProblem(req.headers);
      if (why) return problem(res, 403, 'forbidden', `Cross-site request refused: ${why}.`);
      if (!csrfMatches(req.get('x-csrf-token'), s.csrf))
        return problem(res, 403, 'forbidden', 'Missing or wrong X-CSRF-Token.');
    }
    proxy.forward(req, res, path, s.token);
  });

  // The UI's files: hashed names, kept for good.
  app.use(
    '/assets',
    express.static(join(deps.assetsDir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      etag: true,
    }),
    (_req, res) => void res.status(404).type('text/plain').send('No such file.\n'),
  );

  // Any other page: the UI, which routes itself.
  let unbuiltTold = false;
  app.get('/{*page}', (_req, res, next) => {
    res.locals.page = true;
    res.set('cache-control', 'no-cache');
    res.sendFile(join(deps.assetsDir, 'index.html'), { dotfiles: 'deny' }, (err) => {
      if (!err) return;
      if (res.headersSent) return void res.destroy();
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        if (!unbuiltTold) log.warn({ assetsDir: deps.assetsDir }, 'no index.html: the UI is not built (npm run build)');
        unbuiltTold = true;
        return void res.status(503).type('text/plain').send('The dashboard is not built yet (npm run build).\n');
      }
      next(err);
    });
  });

  app.use((req, res) => problem(res, 404, 'not_found', `No route for ${req.method} ${req.path}`));
  app.use(errorHandler(log));
  return app;
}

function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const type = typeof err === 'object' && err !== null && 'type' in err ? (err as { type: unknown }).type : undefined;
    const status = typeof err === 'object' && err !== null && 'status' in err ? Number(err.status) : 500;
    if (res.headersSent) return void res.destroy();
    res.set('cache-control', 'no-store');
    if (type === 'entity.too.large')
      return void problem(res, 413, 'payload_too_large', 'The request body is too large.');
    if (type === 'entity.parse.failed')
      return void problem(res, 400, 'bad_request', 'The request body is not valid JSON.');
    if (status >= 400 && status < 500) return void problem(res, status, 'bad_request', 'Bad request.');
    log.error({ err }, 'unhandled error');
    problem(res, 500, 'internal', 'Internal server error.');
  };
}
