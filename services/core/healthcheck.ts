import type { HealthCheck } from './types.js';

// app.json's health checks, in Dokku's documented format, so an app is
// portable between the two:
//
//   {"healthchecks": {"web": [{"type": "startup", "path": "/health", "timeout": 5, "attempts": 3}]}}
//
// We support the web process's HTTP startup check: a `startup` entry (the
// type Dokku assumes when none is given) with a `path`. Other process types,
// liveness/readiness entries and command checks are ignored with a warning,
// so an app.json written for Dokku still builds. Pure.

export type HealthCheckOutcome =
  { ok: true; value: HealthCheck | undefined; warnings: string[] } | { ok: false; message: string };

export const MAX_HEALTH_PATH = 1024;
export const MAX_HEALTH_TIMEOUT_S = 120;
export const MAX_HEALTH_ATTEMPTS = 100;

const fail = (message: string): HealthCheckOutcome => ({ ok: false, message: `app.json: ${message}` });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why `path` is not a usable request path (undefined: it is one). */
export function healthPathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string') return 'path must be a string';
  if (!path.startsWith('/')) return `path must start with "/", got ${JSON.stringify(path.slice(0, 60))}`;
  if (path.length > MAX_HEALTH_PATH) return `path is longer than ${MAX_HEALTH_PATH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(path))
    return `path must not contain spaces or control characters: ${JSON.stringify(path.slice(0, 60))}`;
  return undefined;
}

function positiveInt(entry: Record<string, unknown>, field: string, max: number): number | string | undefined {
  const v = entry[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
    return `${field} must be an integer from 1 to ${max}, got ${JSON.stringify(v)}`;
  return v;
}

/** The web startup check declared by app.json's text (undefined text: no app.json). */
export function parseAppJsonHealthCheck(text: string | undefined): HealthCheckOutcome {
  if (text === undefined) return { ok: true, value: undefined, warnings: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return fail(`not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!isObject(doc)) return fail('must be a JSON object');
  const checks = doc.healthchecks;
  if (checks === undefined || checks === null) return { ok: true, value: undefined, warnings: [] };
  if (!isObject(checks)) return fail('healthchecks must be an object of process type -> list of checks');
  const warnings: string[] = [];
  for (const type of Object.keys(checks))
    if (type !== 'web')
      warnings.push(`app.json: health checks of process type "${type.slice(0, 30)}" are not supported; ignored`);
  const web = checks.web;
  if (web === undefined || web === null) return { ok: true, value: undefined, warnings };
  if (!Array.isArray(web)) return fail('healthchecks.web must be a list of checks');
  let found: HealthCheck | undefined;
  for (const [i, entry] of web.entries()) {
    const where = `healthchecks.web[${i}]`;
    if (!isObject(entry)) return fail(`${where} must be an object`);
    const type = entry.type ?? 'startup';
    if (typeof type !== 'string') return fail(`${where}.type must be a string`);
    if (type !== 'startup') {
      warnings.push(`app.json: ${where} is a ${type.slice(0, 20)} check; only startup checks are supported, ignored`);
      continue;
    }
    if (entry.path === undefined) {
      warnings.push(`app.json: ${where} has no path; only HTTP checks are supported, ignored (the port is checked)`);
      continue;
    }
    const problem = healthPathProblem(entry.path);
    if (problem) return fail(`${where}.${problem}`);
    if (found) return fail('healthchecks.web has more than one startup check with a path');
    const timeout = positiveInt(entry, 'timeout', MAX_HEALTH_TIMEOUT_S);
    if (typeof timeout === 'string') return fail(`${where}.${timeout}`);
    const attempts = positiveInt(entry, 'attempts', MAX_HEALTH_ATTEMPTS);
    if (typeof attempts === 'string') return fail(`${where}.${attempts}`);
    found = {
      path: entry.path as string,
      ...(timeout !== undefined && { timeoutS: timeout }),
      ...(attempts !== undefined && { attempts }),
    };
  }
  return { ok: true, value: found, warnings };
}

/** Validates a HealthCheck record as the controller receives it from the builder: the record, or why not. */
export function checkHealthCheck(v: unknown): HealthCheck | string {
  if (!isObject(v)) return 'healthcheck must be an object {path, timeoutS?, attempts?}';
  const problem = healthPathProblem(v.path);
  if (problem) return `healthcheck.${problem}`;
  const timeout = positiveInt(v, 'timeoutS', MAX_HEALTH_TIMEOUT_S);
  if (typeof timeout === 'string') return `healthcheck.${timeout}`;
  const attempts = positiveInt(v, 'attempts', MAX_HEALTH_ATTEMPTS);
  if (typeof attempts === 'string') return `healthcheck.${attempts}`;
  return {
    path: v.path as string,
    ...(timeout !== undefined && { timeoutS: timeout }),
    ...(attempts !== undefined && { attempts }),
  };
}
