import express, { Router, type Request } from 'express';
import { cleanLine, nowMicro, parseIngest, type IngestRecord, type LogRecord } from '../../core/logs.js';
import { invalid, notFound } from '../../core/errors.js';
import { isAppName } from '../../core/names.js';
import { visibleApp } from '../apps/apps.js';
import type { Deps } from '../deps.js';
import { bodyOf, grantOf, param, requireInternal, userOf } from '../http.js';
import { REPLICATED_HEADER } from '../peers/replicate.js';
import { addDrain, drainView, listDrains, removeDrain } from './drains.js';
import { parseSessionRequest, streamSession, type LogSession } from './sessions.js';

// The logs' HTTP routes. logEarlyRoutes is mounted before the app-wide JSON
// parser and user authentication (app.ts): the ingest takes bigger bodies, and
// a log session's stream URL is its own credential (curl works).
// logUserRoutes sits inside userRoutes.

/** The most JSON one ingest POST may carry. */
export const INGEST_BODY_LIMIT = '4mb';
const KNOWN_APP_MS = 5000;

export function logEarlyRoutes(deps: Deps, internalToken: string): Router {
  const r = Router();
  const known = new Map<string, number>();
  const exists = async (app: string): Promise<boolean> => {
    const t = known.get(app);
    if (t && t > Date.now()) return true;
    const ok = (await deps.store.get(deps.store.keys.app(app))) !== undefined;
    if (ok) known.set(app, Date.now() + KNOWN_APP_MS);
    if (known.size > 10_000) known.clear();
    return ok;
  };

  r.post(
    '/internal/logs',
    requireInternal(internalToken),
    express.json({ limit: INGEST_BODY_LIMIT }),
    async (req, res) => {
      const byApp = groupByApp(parseIngest(bodyOf(req)));
      // a copy from another controller (peers/replicate.ts): kept and tailed, not copied on nor drained, not counted
      const copy = req.get(REPLICATED_HEADER) !== undefined;
      let accepted = 0;
      let dropped = 0;
      for (const [app, records] of byApp) {
        if (!(await exists(app))) {
          dropped += records.length;
          continue;
        }
        await deps.logs.store.append(app, records, copy ? 'peer' : 'source');
        accepted += records.length;
      }
      if (!copy) {
        deps.logs.counts?.received(accepted);
        deps.logs.counts?.dropped('unknown_app', dropped);
      }
      res.json({ accepted, dropped });
    },
  );

  // Another controller destroyed or renamed an app (peers/replicate.ts): its log and its metrics go or move here too.
  r.post('/internal/logs/lifecycle', requireInternal(internalToken), express.json(), async (req, res) => {
    const b = bodyOf(req);
    const name = (v: unknown) => (typeof v === 'string' && isAppName(v) ? v : undefined);
    const [app, from, to] = [name(b.app), name(b.from), name(b.to)];
    if (b.op === 'drop' && app) {
      await deps.logs.store.drop(app, 'peer');
      deps.series.forget(app);
    } else if (b.op === 'rename' && from && to) {
      await deps.logs.store.rename(from, to, 'peer');
      deps.series.rename(from, to);
    } else throw invalid('Give {op: "drop", app} or {op: "rename", from, to}');
    res.json({ ok: true });
  });

  // The builder follows a release command's output into the push (builder/release/releaselog.ts).
  r.post('/internal/apps/:app/log-sessions', requireInternal(internalToken), express.json(), async (req, res) => {
    const app = param(req, 'app');
    if (!(await exists(app))) throw notFound(`Couldn't find that app.`);
    res.status(201).json(sessionView(req, deps.logs.sessions.create(app, parseSessionRequest(bodyOf(req)))));
  });

  r.get('/apps/:app/log-sessions/:id/stream', async (req, res) => {
    const s = deps.logs.sessions.get(param(req, 'app'), param(req, 'id'));
    const gone = notFound('No such log session (it may have expired: create another)');
    if (!s) throw gone;
    const grant = s.grant;
    if (grant && !(await deps.access.allowed(grant))) throw gone;
    const watch = grant && ((onLost: () => void) => deps.access.watch(grant, onLost));
    await streamSession(deps.logs.store, s, res, watch, deps.logs.counts);
  });

  return r;
}

export function logUserRoutes(deps: Deps): Router {
  const r = Router();

  r.post('/apps/:app/log-sessions', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res
      .status(201)
      .json(
        sessionView(req, deps.logs.sessions.create(app.name, parseSessionRequest(bodyOf(req)), grantOf(res, app.name))),
      );
  });

  r.get('/apps/:app/log-drains', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.json((await listDrains(deps.store, app.name)).map(drainView));
  });

  r.post('/apps/:app/log-drains', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.status(201).json(drainView(await addDrain(deps.store, app.name, bodyOf(req).url)));
  });

  r.delete('/apps/:app/log-drains/:drain', async (req, res) => {
    const app = await visibleApp(deps, userOf(res), param(req, 'app'));
    res.json(drainView(await removeDrain(deps.store, app.name, param(req, 'drain'))));
  });

  return r;
}

function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}

function sessionView(
  req: Request,
  s: LogSession,
): { id: string; logplex_url: string; created_at: string; updated_at: string } {
  return {
    id: s.id,
    logplex_url: `${baseUrl(req)}/apps/${s.app}/log-sessions/${s.id}/stream`,
    created_at: s.createdAt,
    updated_at: s.createdAt,
  };
}

export function groupByApp(records: readonly IngestRecord[]): Map<string, LogRecord[]> {
  const out = new Map<string, LogRecord[]>();
  for (const { app, ...r } of records) {
    let list = out.get(app);
    if (!list) out.set(app, (list = []));
    list.push(r);
  }
  return out;
}

/** Build output lines as `paas[build]` records (PATCH /internal/apps/:app/builds/:id's `append`). */
export function buildLogRecords(lines: readonly string[] | undefined): LogRecord[] {
  const at = nowMicro();
  return (lines ?? [])
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.trim() !== '')
    .map((line) => ({ at, source: 'paas', dyno: 'build', line: cleanLine(line.replace(/\r/g, '')) }));
}
