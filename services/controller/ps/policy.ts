import { invalid } from '../../core/errors.js';
import { formatDuration, parseDurationSetting } from '../../core/durations.js';
import { autosleepSeconds, DEFAULT_LIFETIME_S, LIFETIME_JITTER_S } from '../../core/dynopolicy.js';
import { PROCESS_TYPE } from '../../core/names.js';
import { sameList } from '../../core/compare.js';
import type { App, Formation, SleepRequest, User } from '../../core/types.js';
import type { DynoPolicyView, SleepRequestView } from '../../core/api.js';
import type { Deps } from '../deps.js';

// The dyno policy of an app (`paas ps:autosleep`, `paas ps:lifetime`): when
// its web process sleeps, which process types stay awake meanwhile, how long
// each dyno lives. Kept on the app record (App.autosleepS, keepAwake,
// lifetimeS), changed in one compare-and-swap; the scheduler plans with it
// (core/dynopolicy.ts). And `paas ps:sleep`: a sleep request the scheduler acts
// on (/sleep-requests/<app>).

/** What a PATCH changes; a field absent stays as it is; null: back to the default. */
export interface PolicyChange {
  autosleepS?: number | null;
  /** [] clears the list. */
  keepAwake?: string[];
  lifetimeS?: number | null;
}

const FIELDS = ['autosleep', 'keep_awake', 'lifetime'];

/** Most process types one app may keep awake. */
export const MAX_KEEP_AWAKE = 20;

/** The policy as GET /apps/:app/dyno-policy shows it; pure. */
export function policyView(app: App, formation: Formation): DynoPolicyView {
  return {
    autosleep_s: autosleepSeconds(app, formation),
    autosleep_default: app.autosleepS === undefined,
    keep_awake: [...(app.keepAwake ?? [])],
    lifetime_s: app.lifetimeS ?? null,
    default_lifetime_s: DEFAULT_LIFETIME_S,
    lifetime_jitter_s: LIFETIME_JITTER_S,
  };
}

/** keep_awake as given: process type names (not web, which is what sleeps, nor release), duplicates dropped. */
export function parseKeepAwake(raw: unknown): string[] {
  if (!Array.isArray(raw))
    throw invalid('keep_awake must be a list of process types, e.g. ["worker", "clock"] ([] clears it)');
  if (raw.length > MAX_KEEP_AWAKE) throw invalid(`keep_awake names at most ${MAX_KEEP_AWAKE} process types`);
  const out: string[] = [];
  for (const t of raw) {
    if (typeof t !== 'string' || !PROCESS_TYPE.test(t))
      throw invalid(`Invalid process type ${JSON.stringify(t)} in keep_awake: letters, digits, _ and -, up to 30`);
    if (t === 'web') throw invalid('The web process type is the one that sleeps; it cannot be kept awake');
    if (t === 'release') throw invalid('The release process type runs once per release; it cannot be kept awake');
    if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** A duration field: null is the default, else a setting in DYNO_DURATION_RANGE (0: off). */
function parseDuration(what: string, raw: unknown): number | null {
  return raw === null ? null : parseDurationSetting(what, raw);
}

/** Validates PATCH /apps/:app/dyno-policy's body (DynoPolicyUpdate); all of it or nothing; pure. */
export function parsePolicyUpdate(body: Record<string, unknown>): PolicyChange {
  const unknown = Object.keys(body).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0)
    throw invalid(`Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: give ${FIELDS.join(', ')}`);
  const out: PolicyChange = {};
  if (body.autosleep !== undefined) out.autosleepS = parseDuration('autosleep', body.autosleep);
  if (body.keep_awake !== undefined) out.keepAwake = parseKeepAwake(body.keep_awake);
  if (body.lifetime !== undefined) out.lifetimeS = parseDuration('lifetime', body.lifetime);
  if (Object.keys(out).length === 0) throw invalid('Nothing to change: give "autosleep", "keep_awake" or "lifetime"');
  return out;
}

/** The app record with the change made; a field back at its default is absent, as on a new app. Pure. */
export function applyPolicy(app: App, change: PolicyChange): App {
  const { autosleepS, keepAwake, lifetimeS, ...rest } = app;
  const next = {
    autosleepS: change.autosleepS === undefined ? autosleepS : change.autosleepS,
    keepAwake: change.keepAwake === undefined ? keepAwake : change.keepAwake,
    lifetimeS: change.lifetimeS === undefined ? lifetimeS : change.lifetimeS,
  };
  return {
    ...rest,
    ...(typeof next.autosleepS === 'number' && { autosleepS: next.autosleepS }),
    ...(next.keepAwake && next.keepAwake.length > 0 && { keepAwake: [...next.keepAwake] }),
    ...(typeof next.lifetimeS === 'number' && { lifetimeS: next.lifetimeS }),
  };
}

/** Whether two app records have the same dyno policy. Pure. */
export function samePolicy(a: App, b: App): boolean {
  return a.autosleepS === b.autosleepS && a.lifetimeS === b.lifetimeS && sameList(a.keepAwake ?? [], b.keepAwake ?? []);
}

function durationLine(what: string, before: number | undefined, after: number | undefined): string | undefined {
  if (before === after) return undefined;
  if (after === undefined) return `${what} set to the default`;
  return after === 0 ? `${what} turned off` : `${what} set to ${formatDuration(after)}`;
}

/**
 * The platform log lines of a policy change (`Autosleep set to 30m`, `Keep awake set to worker, clock`, `Lifetime
 * turned off`), none for what did not change; `by`: the user's email. Pure.
 */
export function policyLines(before: App, after: App, by: string): string[] {
  return policyChanges(before, after).map((l) => `${l} by user ${by}`);
}

/** What changed: `Autosleep set to 30m`, `Keep awake set to worker`, `Lifetime set to 6h`. Pure. */
export function policyChanges(before: App, after: App): string[] {
  const keep = (a: App) => a.keepAwake ?? [];
  const lines = [
    durationLine('Autosleep', before.autosleepS, after.autosleepS),
    sameList(keep(before), keep(after))
      ? undefined
      : `Keep awake set to ${keep(after).length ? keep(after).join(', ') : 'none'}`,
    durationLine('Lifetime', before.lifetimeS, after.lifetimeS),
  ];
  return lines.filter((l): l is string => l !== undefined);
}

/** `Sleep requested by user a@b.c`. Pure. */
export function sleepLine(by: string): string {
  return `Sleep requested by user ${by}`;
}

/** GET /apps/:app/dyno-policy. */
export async function policyOf(deps: Deps, app: App): Promise<DynoPolicyView> {
  return policyView(app, await deps.store.getFormation(app.name));
}

/**
 * Makes the change on the app record in one compare-and-swap (retried on a lost race; nothing is written when
 * nothing changes). Answers the new view and the app record before and after.
 */
export async function updatePolicy(
  deps: Deps,
  name: string,
  change: PolicyChange,
): Promise<{ view: DynoPolicyView; before: App; after: App }> {
  const { store } = deps;
  const { before, after } = await store.transact(
    async (tx) => {
      const cur = await tx.readApp(name);
      const next = applyPolicy(cur, change);
      if (!samePolicy(cur, next)) tx.put<App>(store.keys.app(name), next);
      return { before: cur, after: next };
    },
    { conflict: `Too many concurrent changes to ${name}; try again` },
  );
  return { view: policyView(after, await store.getFormation(name)), before, after };
}

/** POST /apps/:app/sleep: writes the sleep request (the app must still exist); the scheduler does the rest. */
export async function requestSleep(deps: Deps, app: App, user: User, now = new Date()): Promise<SleepRequestView> {
  const { store } = deps;
  const request: SleepRequest = { app: app.name, at: now.toISOString(), by: user.id };
  await store.transact(
    (tx) => {
      tx.require({ key: store.keys.app(app.name), exists: true });
      tx.put(store.keys.sleepRequest(app.name), request);
    },
    { conflict: `Too many concurrent changes to ${app.name}; try again`, onConflict: () => store.getApp(app.name) },
  );
  return { app: { name: app.name }, at: request.at };
}
