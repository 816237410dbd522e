import { conflict, invalid } from './errors.js';

// Add-ons (issue 20): managed PostgreSQL and Redis beside the apps. The pure
// core: kinds, plans, names, attachments and the config vars they give.
//
// Records in etcd (core/keys.ts):
//   /addons/<name>                     AddonRecord, written by the controller only: what the user asked for
//                                      (kind, plan, owner app, generated password, volume and network names)
//   /addon-attachments/<app>/<alias>   AttachmentRecord: the add-on is attached to <app> under <alias>;
//                                      `vars` are the config vars the attachment set in the app's release
//                                      (<ALIAS>_URL, and DATABASE_URL / REDIS_URL for the app's first of a kind)
//   /addon-assignments/<host>/<name>   AddonAssignment, written by the scheduler: the add-on's container on a host
//                                      (placed once with its plan's memory/CPU in its owner app's pool, then kept
//                                      there: its data volume lives on that host)
//   /addon-instances/<name>            AddonInstance, under the host's lease, written by that host's agent: what
//                                      really runs (starting, up, crashed) and how often it was restarted
//
// The controller creates, attaches, detaches and destroys in one etcd
// transaction each: the add-on record, its attachments and a new release of
// every app whose config changes (the same release config:set makes), or
// nothing. An add-on's URL names its host by the add-on's name: the agent
// runs it on a Docker network of its own (internal: no route out, nothing
// published on a host address) with the add-on's name as its alias, and
// connects the containers of the attached apps to that network only.

export type AddonKind = 'postgresql' | 'redis';

export interface AddonKindSpec {
  kind: AddonKind;
  /** The port it listens on inside its network. */
  port: number;
  /** The config var of an app's first attachment of this kind. */
  primaryVar: string;
  /** The URL scheme of its config vars. */
  scheme: string;
  /** Where its data lives inside the container (the named volume's mount point). */
  dataDir: string;
}

export const ADDON_KINDS: Readonly<Record<AddonKind, AddonKindSpec>> = {
  postgresql: {
    kind: 'postgresql',
    port: 5432,
    primaryVar: 'DATABASE_URL',
    scheme: 'postgres',
    dataDir: '/var/lib/paas-addon/data',
  },
  redis: { kind: 'redis', port: 6379, primaryVar: 'REDIS_URL', scheme: 'redis', dataDir: '/var/lib/paas-addon/data' },
};

/** Kinds as users may type them (Heroku's names too). */
const KIND_ALIASES: Readonly<Record<string, AddonKind>> = {
  postgresql: 'postgresql',
  postgres: 'postgresql',
  'heroku-postgresql': 'postgresql',
  redis: 'redis',
  'heroku-redis': 'redis',
};

export interface AddonPlan {
  name: string;
  memoryMb: number;
  /** CPU weight under contention, as a dyno size's (1024: one CPU's worth). */
  cpuShares: number;
}

export const ADDON_PLANS: readonly AddonPlan[] = [
  { name: 'small', memoryMb: 256, cpuShares: 256 },
  { name: 'standard', memoryMb: 1024, cpuShares: 1024 },
];

export const DEFAULT_ADDON_PLAN = 'small';

/** The desired state of an add-on (the controller's record). */
export interface AddonRecord {
  id: string;
  /** `paas-postgresql-aqua`: unique on the platform; its host name on its network, its volume's and network's suffix. */
  name: string;
  kind: AddonKind;
  plan: string;
  /** The app that owns it (it goes with that app); keys.ts classifies this family by this field. */
  app: string;
  /** The database user's password (generated, 32 URL-safe characters); shown only in the attached apps' config. */
  password: string;
  createdBy: string;
  createdAt: string;
}

export interface AttachmentRecord {
  app: string;
  addon: string;
  /** `PAAS_POSTGRESQL_AQUA` or the `--as` given: its config var is `<alias>_URL`. */
  alias: string;
  /** The config vars this attachment set, sorted (detaching removes exactly these). */
  vars: string[];
  createdAt: string;
}

/** The add-on's container on a host, as the scheduler assigns it (the agent's add-on runner reads it). */
export interface AddonAssignment {
  /** The add-on's name. */
  name: string;
  host: string;
  kind: AddonKind;
  /** The add-on record's id: a new add-on of a destroyed one's name is another container and another volume. */
  addonId: string;
  /** The owner app (for placement: its pool, and for `paas ps`-like listings). */
  app: string;
  memoryMb: number;
  cpuShares: number;
  password: string;
  /** The apps attached to it, sorted: their containers are connected to its network. */
  apps: string[];
  createdAt: string;
}

export type AddonState = 'starting' | 'up' | 'crashed';

/** What runs, as the agent of its host reports it (leased with that host). */
export interface AddonInstance {
  name: string;
  host: string;
  addonId: string;
  state: AddonState;
  restarts: number;
  /** Docker's container id. */
  container?: string;
  at: string;
}

// ---- names --------------------------------------------------------------------

export const ADDON_NAME = /^[a-z][a-z0-9-]{1,49}$/;
/** An attachment alias: a config var name without its `_URL`. */
export const ADDON_ALIAS = /^[A-Z][A-Z0-9_]{0,39}$/;

const COLORS = [
  'amber',
  'aqua',
  'azure',
  'black',
  'blue',
  'bronze',
  'brown',
  'cobalt',
  'copper',
  'coral',
  'crimson',
  'cyan',
  'gold',
  'gray',
  'green',
  'indigo',
  'ivory',
  'jade',
  'lime',
  'magenta',
  'maroon',
  'mauve',
  'navy',
  'olive',
  'onyx',
  'orange',
  'pink',
  'plum',
  'purple',
  'red',
  'rose',
  'ruby',
  'salmon',
  'sapphire',
  'scarlet',
  'silver',
  'teal',
  'topaz',
  'violet',
  'white',
  'yellow',
] as const;

/** The kind a user typed (`postgresql`, `heroku-postgresql:standard`'s kind...), or a 422 naming the kinds. */
export function parseKind(typed: unknown): AddonKind {
  const kind = typeof typed === 'string' ? KIND_ALIASES[typed.toLowerCase()] : undefined;
  if (!kind)
    throw invalid(
      `Unknown add-on kind ${JSON.stringify(String(typed ?? '')).slice(0, 60)}: use ${Object.keys(ADDON_KINDS).join(' or ')}`,
    );
  return kind;
}

/** The plan by name (absent: the default), or a 422 naming the plans. */
export function parsePlan(typed: unknown): AddonPlan {
  if (typed === undefined || typed === null || typed === '') return planNamed(DEFAULT_ADDON_PLAN);
  const plan = typeof typed === 'string' ? ADDON_PLANS.find((p) => p.name === typed.toLowerCase()) : undefined;
  if (!plan)
    throw invalid(
      `Unknown plan ${JSON.stringify(String(typed)).slice(0, 60)}: use ${ADDON_PLANS.map((p) => `${p.name} (${p.memoryMb} MB, ${p.cpuShares / 1024} CPU)`).join(' or ')}`,
    );
  return plan;
}

export function planNamed(name: string): AddonPlan {
  const plan = ADDON_PLANS.find((p) => p.name === name);
  if (!plan) throw new Error(`no add-on plan ${name}`);
  return plan;
}

/**
 * A free Heroku-style name for a new add-on of `kind`: `paas-<kind>-<color>` with a color not taken (starting at a
 * random one), else `paas-<kind>-<color>-<n>`. Pure: `random` in [0, 1).
 */
export function addonName(kind: AddonKind, taken: ReadonlySet<string>, random: () => number = Math.random): string {
  const start = Math.floor(random() * COLORS.length);
  for (let n = 1; ; n++) {
    for (let i = 0; i < COLORS.length; i++) {
      const color = COLORS[(start + i) % COLORS.length] as string;
      const name = `paas-${kind}-${color}${n === 1 ? '' : `-${n}`}`;
      if (!taken.has(name)) return name;
    }
  }
}

/** The alias an attachment gets by default: the add-on's name in capitals, `-` as `_` (PAAS_POSTGRESQL_AQUA). */
export function defaultAlias(addon: string): string {
  return addon.toUpperCase().replace(/-/g, '_');
}

/** The alias typed with `--as` (any case; a trailing `_URL` dropped), checked; absent: the default. */
export function parseAlias(typed: unknown, addon: string): string {
  if (typed === undefined || typed === null || typed === '') return defaultAlias(addon);
  const alias = typeof typed === 'string' ? typed.toUpperCase().replace(/_URL$/, '') : '';
  if (!ADDON_ALIAS.test(alias))
    throw invalid(
      `Invalid attachment name ${JSON.stringify(String(typed)).slice(0, 60)}: use letters, digits and underscores, starting with a letter (at most 40)`,
    );
  return alias;
}

/** The add-on's name as typed, checked. */
export function assertAddonName(typed: unknown): string {
  if (typeof typed !== 'string' || !ADDON_NAME.test(typed))
    throw invalid(`Invalid add-on name ${JSON.stringify(String(typed ?? '')).slice(0, 60)}`);
  return typed;
}

// ---- URLs and config vars -------------------------------------------------------

/** The URL an attached app connects with: the add-on's name is its host on the add-on's network. */
export function addonUrl(a: Pick<AddonRecord, 'kind' | 'name' | 'password'>): string {
  const spec = ADDON_KINDS[a.kind];
  const pw = encodeURIComponent(a.password);
  return a.kind === 'postgresql'
    ? `${spec.scheme}://${POSTGRES_USER}:${pw}@${a.name}:${spec.port}/${POSTGRES_DB}`
    : `${spec.scheme}://default:${pw}@${a.name}:${spec.port}`;
}

export const POSTGRES_USER = 'paas';
export const POSTGRES_DB = 'paas';

/**
 * The config vars attaching `addon` as `alias` sets in an app whose config is `config` and whose attachments are
 * `attachments`: `<alias>_URL`, and the kind's primary var (DATABASE_URL, REDIS_URL) when the app has none yet.
 * Throws a 409 when the alias or its var is taken, or the add-on is already attached to the app. Pure.
 */
export function attachmentVars(
  addon: Pick<AddonRecord, 'kind' | 'name' | 'password'>,
  alias: string,
  config: Readonly<Record<string, string>>,
  attachments: readonly Pick<AttachmentRecord, 'addon' | 'alias' | 'vars'>[],
): Map<string, string> {
  const mine = attachments.find((a) => a.addon === addon.name);
  if (mine) throw conflict(`${addon.name} is already attached to this app as ${mine.alias}`);
  if (attachments.some((a) => a.alias === alias))
    throw conflict(`An add-on is already attached to this app as ${alias}: choose another name with --as`);
  const own = `${alias}_URL`;
  if (config[own] !== undefined) throw conflict(`${own} is already set on this app: choose another name with --as`);
  const url = addonUrl(addon);
  const vars = new Map([[own, url]]);
  const primary = ADDON_KINDS[addon.kind].primaryVar;
  if (config[primary] === undefined && own !== primary) vars.set(primary, url);
  return vars;
}

/** An add-on as the planner needs it: its record with the apps it is attached to (sorted). */
export interface AddonDesired {
  record: AddonRecord;
  apps: string[];
}

/** The container an add-on should have on `host` (pure; the scheduler's add-on step places it). */
export function addonAssignment(d: AddonDesired, host: string, at: string): AddonAssignment {
  const plan = planNamed(d.record.plan);
  return {
    name: d.record.name,
    host,
    kind: d.record.kind,
    addonId: d.record.id,
    app: d.record.app,
    memoryMb: plan.memoryMb,
    cpuShares: plan.cpuShares,
    password: d.record.password,
    apps: [...d.apps].sort(),
    createdAt: at,
  };
}
