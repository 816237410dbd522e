import { randomBytes } from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { PaasError, statusOf, TooManyRequests, unauthorized } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { isUnavailable } from '../core/store.js';
import type { User } from '../core/types.js';
import { authenticateInternal, authenticateUser, bearerToken, hashToken } from './auth.js';
import type { Repo } from './repo.js';

// The HTTP plumbing: per-request logger, authentication, body access, and the
// ONE place where errors become statuses and `{id, message}` bodies.

interface Locals {
  log: Logger;
  user?: User;
  /** sha256 of the API token the user authenticated with. */
  tokenHash?: string;
}

function locals(res: Response): Locals {
  return res.locals as Locals;
}

export function logOf(res: Response): Logger {
  return locals(res).log;
}

/** The authenticated user; only after requireUser. */
export function userOf(res: Response): User {
  const u = locals(res).user;
  if (!u) throw unauthorized('Not authenticated');
  return u;
}

/**
 * Who made this request, with which token (its hash), for one app: what a stream it opens lasts by (access/guard.ts).
 */
export function grantOf(res: Response, app: string): { app: string; userId: string; tokenHash: string } {
  const { tokenHash } = locals(res);
  if (!tokenHash) throw unauthorized('Not authenticated');
  return { app, userId: userOf(res).id, tokenHash };
}

function pathOf(req: Request): string {
  return req.originalUrl.split('?')[0] ?? req.originalUrl;
}

/** A child logger per request, and one line per request when it ends. */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const log = logger.child({ req: randomBytes(4).toString('hex') });
    locals(res).log = log;
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      log.info(
        { method: req.method, path: pathOf(req), status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
    next();
  };
}

const LOOPBACK = /^(?:127\.|::1$|::ffff:127\.)/;

/**
 * The address the request came from: the peer's, or, when the peer is on this machine (the router, the dashboard),
 * the rightmost address of X-Forwarded-For that is not: the one the nearest proxy saw. What a client writes to the
 * left of it is not believed.
 */
export function remoteAddress(peer: string | undefined, forwardedFor: string | undefined): string | undefined {
  if (!peer || !LOOPBACK.test(peer) || !forwardedFor) return peer;
  const hops = forwardedFor
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (!LOOPBACK.test(hop)) return hop.slice(0, 64);
  }
  return peer;
}

export function addressOf(req: Request): string | undefined {
  return remoteAddress(req.socket.remoteAddress, req.get('x-forwarded-for'));
}

export function requireUser(repo: Repo): RequestHandler {
  return async (req, res, next) => {
    const user = await authenticateUser(repo, req.get('authorization'));
    locals(res).user = user;
    locals(res).tokenHash = hashToken(bearerToken(req.get('authorization')) ?? '');
    locals(res).log = logOf(res).child({ user: user.id });
    next();
  };
}

export function requireAdmin(): RequestHandler {
  return (_req, res, next) => {
    if (!userOf(res).admin) throw new PaasError('forbidden', 'This action needs an admin account.');
    next();
  };
}

export function requireInternal(internalToken: string): RequestHandler {
  return (req, _res, next) => {
    authenticateInternal(internalToken, req.get('authorization'));
    next();
  };
}

/** The parsed JSON body as an object; {} when there is none. */
export function bodyOf(req: Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object' || Array.isArray(b))
    throw new PaasError('bad_request', 'The request body must be a JSON object');
  return b as Record<string, unknown>;
}

/** A route parameter as a string (express 5 types them loosely). */
export function param(req: Request, name: string): string {
  const v: unknown = req.params[name];
  return typeof v === 'string' ? v : '';
}

export const notFoundRoute: RequestHandler = (req, _res, next: NextFunction) => {
  next(new PaasError('not_found', `No route for ${req.method} ${pathOf(req)}`));
};

/** Errors of express's JSON parser carry a `type`; map them to ours. */
function fromParser(err: unknown): PaasError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  const type = (err as { type: unknown }).type;
  if (type === 'entity.too.large') return new PaasError('payload_too_large', 'The request body is too large');
  if (type === 'entity.parse.failed') return new PaasError('bad_request', 'The request body is not valid JSON');
  if ((typeof type === 'string' && type.startsWith('encoding')) || type === 'charset.unsupported')
    return new PaasError('bad_request', 'Unsupported request body encoding');
  return undefined;
}

export function errorHandler(): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const log = locals(res).log;
    let e: PaasError;
    if (err instanceof PaasError) e = err;
    else {
      const parsed = fromParser(err);
      if (parsed) e = parsed;
      else if (isUnavailable(err)) {
        log?.error({ err }, 'etcd unavailable');
        e = new PaasError('unavailable', 'The platform store is unavailable; try again shortly');
      } else {
        log?.error({ err }, 'unhandled error');
        e = new PaasError('internal', 'Internal server error');
      }
    }
    if (res.headersSent) return;
    if (e instanceof TooManyRequests) res.set('Retry-After', String(e.retryAfterS));
    res.status(statusOf[e.code]).json({ id: e.code, message: e.message });
  };
}
