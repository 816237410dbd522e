import type { Logger } from '../core/logger.js';
import type { ServiceMetrics } from '../core/metrics.js';
import type { Campaign, Election, Mirror, Store } from '../core/store.js';
import type { PlacementSettings } from '../core/types.js';
import type { SchedulerConfig } from './config.js';
import { SchedulerMetrics, type SchedulerView } from './metrics.js';
import { plan, type Plan, type PlanInput } from './plan.js';
import { applyPlan, appsOfKeys, isEmptyPlan, plannedPrefixes, PlanInputs } from './state.js';

// Leader election and the reconcile loop. Every scheduler campaigns; the one
// elected watches etcd and plans; the others wait. A leader whose campaign
// fails stops planning and campaigns again.

export interface SchedulerOptions {
  store: Store;
  log: Logger;
  /** The scheduler's frozen settings (config.ts: loadConfig). */
  config: Readonly<SchedulerConfig>;
  now?: () => number;
  /** The scheduler's registry: its passes and what they did are counted there (metrics.ts). */
  metrics?: ServiceMetrics;
}

export interface RunningScheduler {
  /** Whether this scheduler leads now. */
  isLeader(): boolean;
  /** Plans once more now (the loop also runs on changes and on a timer). */
  poke(): void;
  /** Stops planning and resigns, so a standby takes over at once. */
  stop(): Promise<void>;
}

/**
 * The scheduler election: its keys are keys.schedulerElection() + '/<lease>',
 * inside the platform's prefix (Store.election).
 */
export function schedulerElection(store: Store, ttlSeconds?: number): Election {
  return store.election('scheduler', ttlSeconds);
}

export function startScheduler(opts: SchedulerOptions): RunningScheduler {
  const { store, log, config } = opts;
  const now = opts.now ?? Date.now;
  const election = schedulerElection(store, config.electionTtlSeconds);
  let stopped = false;
  let campaign: Campaign | undefined;
  let term: Term | undefined;
  let retry: NodeJS.Timeout | undefined;
  const work =
    opts.metrics &&
    new SchedulerMetrics(
      opts.metrics,
      () => term !== undefined,
      () => term?.view(),
    );

  const runCampaign = () => {
    if (stopped) return;
    const c = election.campaign(config.name);
    campaign = c;
    c.on('elected', () => {
      if (stopped || campaign !== c) return;
      log.info({ candidate: config.name }, 'elected scheduler leader');
      c.getCampaignKey()
        .then((fenceKey) => {
          if (stopped || campaign !== c) return;
          term = startTerm({
            ...opts,
            now,
            fenceKey,
            onLost: () => lose(c, new Error('leadership fence failed')),
            ...(work && { work }),
          });
        })
        .catch((err: unknown) => lose(c, err));
    });
    c.on('error', (err: unknown) => lose(c, err));
  };

  const lose = (c: Campaign, err: unknown) => {
    if (campaign !== c) return;
    campaign = undefined;
    log.warn({ err }, 'scheduler campaign lost; campaigning again');
    void term?.stop();
    term = undefined;
    c.resign().catch(() => undefined);
    if (!stopped) retry = setTimeout(runCampaign, 1000);
  };

  runCampaign();
  return {
    isLeader: () => term !== undefined,
    poke: () => term?.poke(),
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      await term?.stop();
      term = undefined;
      const c = campaign;
      campaign = undefined;
      await c?.resign().catch(() => undefined);
    },
  };
}

/** What /placement says of a scheduler's settings; pure. */
function placementSettings(
  config: Pick<SchedulerConfig, 'name' | 'policy' | 'cpuOvercommit' | 'memoryOvercommit'>,
  at: string,
): PlacementSettings {
  return {
    policy: config.policy,
    cpuOvercommit: config.cpuOvercommit,
    memoryOvercommit: config.memoryOvercommit,
    scheduler: config.name,
    updatedAt: at,
  };
}

interface Term {
  poke(): void;
  stop(): Promise<void>;
  /** What a scrape reads of this term (undefined until its copy of etcd is loaded). */
  view(): SchedulerView | undefined;
}

/** One term of leadership: watch, plan, apply, until stopped. */
function startTerm(
  opts: SchedulerOptions & { now: () => number; fenceKey: string; onLost: () => void; work?: SchedulerMetrics },
): Term {
  const { store, log, config, work } = opts;
  let running = false;
  let again = false;
  let ended = false;
  let recheck: NodeJS.Timeout | undefined;
  let mirror: Mirror | undefined;
  let inputs: PlanInputs | undefined;
  let lastSuccess = Date.now();
  const k = store.keys;
  // What the next pass plans: the apps of the keys changed since the last one, those whose timers are due, those
  // waiting for room; every app at the first pass, on the resync timer, after a failed pass or when a host changed.
  let changed = new Set<string>();
  let full = true;
  const dueAt = new Map<string, number>();
  let waiting = new Set<string>();
  let unplaced = 0;

  const reconcile = async () => {
    if (!mirror || !inputs) return; // poked again once it is loaded
    const passed = work?.pass(full ? 'all' : 'changed');
    try {
      await pass(mirror, inputs);
      passed?.('ok');
    } catch (err) {
      passed?.('error');
      throw err;
    }
  };

  /** One pass over the loaded copy: plan, write the plan, wait until the copy has it. */
  const pass = async (copy: Mirror, planInputs: PlanInputs) => {
    const now = opts.now();
    const keys = changed;
    changed = new Set();
    const dirty = full ? undefined : appsOfKeys(k, keys);
    full = false;
    if (dirty) {
      for (const [app, at] of dueAt) if (at <= now + 5) dirty.add(app);
      for (const app of waiting) dirty.add(app);
    }
    let p: Plan;
    let input: PlanInput;
    try {
      input = planInputs.input(now, config, dirty);
      p = plan(input);
    } catch (err) {
      full = true;
      throw err;
    }
    for (const app of dirty ?? dueAt.keys()) dueAt.delete(app);
    if (!dirty) dueAt.clear();
    for (const [app, ms] of p.recheckOf ?? []) dueAt.set(app, now + ms);
    waiting = new Set(p.unplaced.map((u) => u.id.split('.')[0] as string));
    unplaced = p.unplaced.length;
    for (const s of p.statuses)
      log[s.status === 'failed' ? 'warn' : 'info'](
        { app: s.app, version: s.version, status: s.status, reason: s.reason },
        `release v${s.version} of ${s.app}: ${s.status}`,
      );
    for (const u of p.unplaced) log.warn({ assignment: u.id, reason: u.reason }, 'cannot place');
    for (const u of p.addons?.unplaced ?? []) log.warn({ addon: u.name, reason: u.reason }, 'cannot place add-on');
    if (p.asleepForRoom) log.info({ apps: p.asleepForRoom }, 'putting idle apps to sleep to make room');
    if (recheck) clearTimeout(recheck);
    const next = Math.min(...dueAt.values());
    recheck = Number.isFinite(next) ? setTimeout(poke, Math.max(0, next - now) + 10) : undefined;
    if (isEmptyPlan(p) || ended) return;
    log.info(
      {
        put: p.put.map((a) => `${a.host}/${a.id}`),
        remove: p.remove.map((r) => `${r.host}/${r.id}`),
        routes: p.routes,
        deleteRoutes: p.deleteRoutes,
      },
      'applying plan',
    );
    const revision = await applyPlan(store, p, opts.fenceKey).catch((err: unknown) => {
      full = true; // some of it may be written: look at everything again
      throw err;
    });
    if (revision === false) return opts.onLost();
    work?.applied(p, input);
    // The next pass plans on a copy that has this plan's writes.
    if (!(await copy.caughtUp(revision))) log.warn({ revision: String(revision) }, 'the copy of etcd lags behind');
  };

  const poke = () => {
    if (ended) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      do {
        again = false;
        try {
          await reconcile();
          lastSuccess = Date.now();
        } catch (err) {
          log.error({ err }, 'reconcile failed');
          // A leader that cannot reach etcd for longer than its lease steps down.
          if (Date.now() - lastSuccess > config.electionTtlSeconds * 1000) opts.onLost();
        }
      } while (again && !ended);
      running = false;
    })();
  };

  const timer = setInterval(() => {
    full = true;
    poke();
  }, config.resyncMs);
  // How this leader counts a host's room, for `paas hosts`.
  store
    .put(k.placement(), placementSettings(config, new Date(opts.now()).toISOString()))
    .catch((err: unknown) => log.warn({ err }, 'cannot record the placement settings'));
  // Everything the planner reads, copied and kept current (core/mirror.ts): a pass reads no etcd. A router's activity
  // records alone do not start a pass (the idle clocks' timers do).
  const activity = k.activities();
  store
    .mirror(plannedPrefixes(k), () => {
      const keys = mirror?.takeChanged();
      if (!keys) return poke();
      for (const key of keys) changed.add(key);
      if ([...keys].some((key) => !key.startsWith(activity))) poke();
    })
    .then((m) => {
      if (ended) void m.close();
      else {
        m.takeChanged();
        mirror = m;
        inputs = new PlanInputs(m, k);
        full = true;
        poke();
      }
    })
    .catch((err: unknown) => {
      log.error({ err }, 'cannot watch etcd');
      opts.onLost();
    });

  return {
    poke,
    view: () =>
      mirror && {
        state: mirror,
        revision: mirror.revision,
        keys: k,
        unplaced,
        appsWaiting: waiting.size,
        pendingChanges: changed.size,
        rechecks: dueAt.size,
      },
    async stop() {
      ended = true;
      clearInterval(timer);
      if (recheck) clearTimeout(recheck);
      await mirror?.close();
    },
  };
}
