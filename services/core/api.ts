// The wire contract of the HTTP API: the JSON shapes the controller answers
// and the CLI reads (docs/architecture.md, "Controller HTTP API"). Types only:
// the CLI imports this file and nothing else of the services.

import type { BuildPhases, BuildStatus } from './builds.js';
import type { InstanceState, RouteState } from './types.js';

export type { LogSessionRequest, LogSource } from './logs.js';
export type { ActivityKind, ActivityView } from './apiactivity.js';
export type {
  AddonAttachRequest,
  AddonAttachmentView,
  AddonChangeView,
  AddonCreateRequest,
  AddonStateView,
  AddonView,
} from './apiaddons.js';
export type {
  PipelineAppView,
  PipelineCouplingView,
  PipelineCreateRequest,
  PipelineInfoView,
  PipelinePromotionRequest,
  PipelinePromotionView,
  PipelineView,
} from './apipipelines.js';

export interface UserRef {
  id: string;
  email: string | null;
}

/** A step of an app's metrics (GET /apps/<app>/metrics). */
export interface MetricsPoint {
  /** The step's start. */
  at: string;
  requests_ok: number;
  /** 5xx answers, the app's and the router's. */
  requests_failed: number;
  /** Response time percentiles (ms) from the router's histogram; null with no request. */
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  /** dyno -> the largest memory (working set, bytes) seen in the step. */
  memory_bytes: Record<string, number>;
}

export interface MetricsView {
  app: string;
  range: string;
  /** 60 (1h, 2h), 600 (24h) or 3600 (7d). */
  step_s: number;
  points: MetricsPoint[];
}

export interface AppInfo {
  id: string;
  name: string;
  owner: UserRef;
  created_at: string;
  web_url: string;
  /** The same over HTTPS; null when the platform serves no HTTPS (PAAS_HTTPS_PORT off). */
  https_url: string | null;
  git_url: string;
  release: { version: number } | null;
  maintenance: boolean;
  /** The host tags the app's containers require (`paas apps:pool`); null: any host. */
  pool: Record<string, string> | null;
  /** Why no web dyno serves now, when it is not for good: sleeping, waking, crashed (Route.state); null: awake. */
  dyno_state: RouteState | null;
  /** Since when the app sleeps; null unless dyno_state is sleeping. */
  sleeping_since: string | null;
  /** deploying: a build or release in progress; idle: nothing runs (no release, no dynos). */
  state: 'running' | 'sleeping' | 'crashed' | 'deploying' | 'idle';
}

/** GET and PATCH /apps/:app/dyno-policy: when the app sleeps and how long its dynos live. */
export interface DynoPolicyView {
  /** Idle seconds before the web process sleeps, as it applies now (the size's default when not set); 0: never. */
  autosleep_s: number;
  /** Whether autosleep_s is the default of the web size (eco: 30 min; others: never) rather than set. */
  autosleep_default: boolean;
  /** Process types that keep running while the app sleeps. */
  keep_awake: string[];
  /** Seconds a dyno lives before it is replaced; null: the default (24 h plus 0-216 min per dyno); 0: never. */
  lifetime_s: number | null;
  /** The default lifetime: this many seconds (24 h) ... */
  default_lifetime_s: number;
  /** ... plus up to this many (216 min), a share of its own for each dyno. */
  lifetime_jitter_s: number;
}

/** POST /apps/:app/sleep (202): the sleep request written; the scheduler puts the app to sleep until a request comes. */
export interface SleepRequestView {
  app: { name: string };
  at: string;
}

/**
 * PATCH /apps/:app/dyno-policy: each field optional; a duration is text (`30m`, `6h`) or seconds, `off` (or 0) for
 * none, null for the default.
 */
export interface DynoPolicyUpdate {
  autosleep?: string | number | null;
  keep_awake?: string[];
  lifetime?: string | number | null;
}

export interface ReleaseView {
  id: string;
  version: number;
  description: string;
  commit: string | null;
  created_at: string;
  user: UserRef;
}

export type ReleaseState = 'pending' | 'succeeded' | 'failed';

/** A release's status: pending (the latest, not serving yet), succeeded or failed. */
export interface ReleaseStatusFields {
  status: ReleaseState;
  /** Why it failed ("web.1 crashed (exit 1) 3 times"); null unless failed. */
  failure: string | null;
}

/** GET /apps/:app/releases answers a list of these. */
export type ReleaseListEntry = ReleaseView & ReleaseStatusFields;

/** GET /apps/:app/releases/:version; POST /apps/:app/releases (a rollback or a deploy of a slug) answers the new one. */
export interface ReleaseInfo extends ReleaseView, ReleaseStatusFields {
  /** Whether this is the app's latest release. */
  current: boolean;
  /**
   * The image the release runs (Heroku: its slug), named `<app>/v<N>` (core/ids.ts slugId: this release); null for a
   * config-only release before any build.
   */
  slug: { id: string } | null;
}

/**
 * POST /apps/:app/releases, one of: `release` (a rollback to 12, "v12" or "<app>-v12"), or `slug` (a deploy of the
 * image of another or the same app's release: its slug id `<app>/v<N>`, or the id of the build that made it).
 */
export interface ReleaseCreateRequest {
  release?: number | string;
  slug?: string;
}

/** GET and PATCH /apps/:app/config-vars, GET /apps/:app/releases/:version/config-vars. */
export type ConfigVars = Record<string, string>;

/** GET /account. */
export interface AccountView {
  id: string;
  email: string;
  admin: boolean;
}

/** POST /users: the new user and their first API token. */
export interface CreatedUserView {
  user: AccountView;
  token: string;
}

export interface KeyView {
  id: string;
  fingerprint: string;
  public_key: string;
  comment: string;
  created_at: string;
}

export interface HostView {
  id: string;
  address: string | null;
  /** Effective tags: the agent's with the overrides applied (what placement uses). */
  tags: Record<string, string>;
  agent_tags: Record<string, string>;
  tag_overrides: Record<string, string | null>;
  capacity: { memory_mb: number; cpus: number } | null;
  /** The capacity as the scheduler counts it for placement (capacity × its overcommit factors); null when unknown. */
  placement_capacity: { memory_mb: number; cpus: number } | null;
  allocated: { memory_mb: number; cpu_shares: number; containers: number };
  used: { memory_mb: number; cpus: number } | null;
  registered_at: string | null;
  state: 'up' | 'down';
}

export interface DomainView {
  id: string;
  hostname: string;
  kind: 'default' | 'custom';
  created_at: string;
}

/** An app's TLS certificate as the API shows it (`paas certs`): never its private key. */
export interface CertView {
  /** `current`: an app has one certificate at a time. */
  id: string;
  /** upload (`certs:add`) or acme (`certs:auto:enable`). */
  source: 'upload' | 'acme';
  /** The names the certificate covers (its subjectAltName). */
  domains: string[];
  /** The app's domains (its default name and custom domains) this certificate covers, served over HTTPS with it. */
  covers: string[];
  issuer: string;
  subject: string;
  not_before: string;
  not_after: string;
  sha256_fingerprint: string;
  serial: string;
  self_signed: boolean;
  updated_at: string;
  /** What to know of an upload that was accepted (not yet valid with --force, self-signed, no intermediates). */
  warnings?: string[];
}

/** `paas certs:auto`: automatic certificates (ACME) of an app, per custom domain. */
export interface AutoCertView {
  enabled: boolean;
  domains: { hostname: string; status: 'ok' | 'pending' | 'failing'; reason?: string; at: string }[];
  /** When the next order (a renewal, a retry) is due. */
  next_at?: string;
}

/** An app feature (`paas features`). */
export interface FeatureView {
  name: string;
  description: string;
  enabled: boolean;
}

export interface TokenView {
  id: string;
  description: string;
  created_at: string;
  /** When it stops working (`expires_in` when made); null: never. */
  expires_at: string | null;
  last4?: string;
}

/** POST /account/tokens: the token itself is shown only in this answer. */
export interface CreatedTokenView extends TokenView {
  token: string;
}

export interface FormationEntryView {
  type: string;
  quantity: number;
  size: string;
}

export interface SizeView {
  name: string;
  memory_mb: number;
  cpu_shares: number;
  /** Heroku's field: memory in GB. */
  memory: number;
  /** The dyno's writable disk space. */
  disk_mb: number;
  /** Its network rates, Mbit/s: what it sends, what it receives (tc, agent/isolation/bandwidth.ts). */
  egress_mbit: number;
  ingress_mbit: number;
}

export interface ProcessStatus {
  name: string;
  /**
   * The platform's services the process runs: all five for `platform` (PAAS_PROCESSES=one), its own for a service
   * in a process of its own, none for etcd, nginx and the Docker engine.
   */
  services: string[];
  /** up: the recorded process runs; down: it does not (starting again after a crash, or stopped). */
  state: 'up' | 'down';
  supervisor: string;
  pid: number | null;
  up_since: string | null;
  restarts: number;
  last_exit: string | null;
}

export interface PlatformStatus {
  processes: ProcessStatus[];
}

export interface DrainView {
  id: string;
  url: string;
  token: string;
  created_at: string;
  updated_at: string;
  addon: null;
  app: { name: string };
}

export interface CollaboratorView {
  id: string;
  user: UserRef;
  role: 'owner' | 'collaborator';
  created_at: string;
}

/** Heroku's dyno shape, as POST /apps/:app/dynos answers. */
export interface RunDynoView {
  id: string;
  name: string;
  type: 'run';
  command: string;
  attach_url: string | null;
  state: InstanceState;
  size: string;
  release: { version: number };
  app: { name: string };
  time_to_live: number;
  created_at: string;
  updated_at: string;
}

export interface DynoView {
  id: string;
  name: string; // web.1
  type: string;
  /** sleeping: the app sleeps and this dyno with it (its container is kept created, not running). */
  state: InstanceState | 'sleeping';
  release: { version: number };
  size: string;
  command: string;
  host: string;
  created_at: string;
  updated_at: string;
  /** Times the agent restarted the container after it exited or failed its health check. */
  restarts: number;
  /** Exit code of its last exit; null if it never exited. */
  exit_code: number | null;
  /** When its container last started; null before it has. */
  started_at: string | null;
}

export interface BuildView {
  id: string;
  app: { name: string };
  status: BuildStatus;
  source_blob: { version: string };
  user: { id: string; email: string };
  created_at: string;
  updated_at: string;
  release: { version: number } | null;
  phases: BuildPhases;
  failure: string | null;
  /** The slug the build made: its release's slug id `<app>/v<N>`; null until it has a release. */
  slug: { id: string } | null;
}

/** GET /apps/:app/builds/:id/output. */
export interface BuildOutputView {
  id: string;
  status: BuildStatus;
  lines: string[];
  /** Bytes cut from the start of the output (only its tail is kept). */
  truncated_bytes: number;
}

/** DELETE /apps/:app/build-cache. */
export interface BuildCacheView {
  app: { name: string };
  generation: number;
  cleared_at: string;
}

/** GET and PUT /apps/:app/buildpack-installations answer a list of these. */
export interface BuildpackInstallation {
  ordinal: number;
  buildpack: { url: string; name: string };
}

/** POST /apps/:app/log-sessions: logplex_url streams the lines as text. */
export interface LogSessionView {
  id: string;
  logplex_url: string;
  created_at: string;
  updated_at: string;
}
