import type { CertificateInfo } from './certs.js';
// The records kept in etcd. Plain data: every service reads and writes these
// shapes through Store (store.ts); the key of each is in keys.ts.

export type ProcessTypes = Record<string, string>; // type -> command, e.g. { web: 'npm start' }

export interface App {
  name: string;
  id: string;
  owner: string; // user id
  createdAt: string; // ISO time
  /** Version of the newest release; 0 while the app has none. Bumped by a compare-and-swap with the release itself. */
  latestRelease: number;
  /** In maintenance the router answers 503 with a maintenance page instead of proxying. */
  maintenance?: boolean;
  /** The app's features turned on (`paas features:enable`: core/features.ts), sorted. */
  features?: string[];
  /** Host tags every container of the app requires (`paas apps:pool`), e.g. {pool: 'high'}; absent: any host. */
  pool?: Record<string, string>;
  /**
   * The host uid/gid its builds and dynos run as (core/uids.ts), given at creation; absent (apps made before): 1000.
   */
  uid?: number;
  /**
   * Idle seconds after which the app's web process sleeps (`paas ps:autosleep`, core/dynopolicy.ts); 0: never; absent:
   * its size's default (eco: 30 minutes, others never).
   */
  autosleepS?: number;
  /** Process types that keep running while the app sleeps (`paas ps:autosleep --keep-awake worker`). */
  keepAwake?: string[];
  /**
   * Seconds a dyno runs before it is replaced (`paas ps:lifetime`); 0: never; absent: 24 h plus 0-216 minutes per dyno.
   */
  lifetimeS?: number;
}

export interface Release {
  app: string;
  version: number;
  /** Docker image of the slug on the run stack; '' for a config-only release before any build. */
  image: string;
  config: Record<string, string>;
  processTypes: ProcessTypes;
  description: string;
  commit?: string;
  buildId?: string;
  /** The web process's HTTP startup check, from app.json's healthchecks (core/healthcheck.ts); absent: TCP check. */
  healthcheck?: HealthCheck;
  createdBy: string; // user id or 'builder'
  createdAt: string;
  /**
   * Made by a push, whose pusher waits for it to serve: a sleeping app wakes for it. Other releases of a sleeping app
   * (config:set, a rollback, a promotion) take effect at its next request.
   */
  wakesApp?: boolean;
}

/** An HTTP startup check: GET <path> must answer 2xx/3xx before a web container counts as up. */
export interface HealthCheck {
  path: string;
  /** Seconds per attempt (default 5). */
  timeoutS?: number;
  /** Failed attempts after which the container is crashed (default: until PAAS_AGENT_HEALTH_TIMEOUT_MS). */
  attempts?: number;
}

export interface FormationEntry {
  quantity: number;
  size: string;
}
export type Formation = Record<string, FormationEntry>; // process type -> entry

export interface HostCapacity {
  memoryMb: number;
  cpus: number;
}

/** A docker host, registered by its agent under a lease (vanishes when the agent dies). */
export interface Host {
  id: string;
  /** Address the host's containers publish their ports on (127.0.0.1 on one machine). */
  address: string;
  tags: Record<string, string>;
  capacity: HostCapacity;
  registeredAt: string;
  /** What the host's containers really use (docker stats), reported by its agent now and then. */
  used?: HostCapacity;
}

/**
 * Written by an admin under /host-tags/<host> (`paas hosts:tag`): tags set (a value) or removed (null) over the agent's
 * own; kept when the agent restarts.
 */
export interface HostTagOverride {
  tags: Record<string, string | null>;
  updatedAt: string;
}

/** Written by the scheduler under /assignments/<host>/<id>: one container the agent of <host> must run. */
export interface Assignment {
  id: string;
  host: string;
  app: string;
  release: number;
  type: string; // process type
  index: number; // web.1 -> 1
  image: string;
  command: string;
  env: Record<string, string>;
  /** Port the process listens on inside the container (given as PORT). */
  port: number;
  memoryMb: number;
  cpuShares: number;
  /**
   * The container's writable space (its size's diskMb): a filesystem of this size under its writable layer; absent:
   * unbounded.
   */
  diskMb?: number;
  /** The app's uid/gid (App.uid) its processes run as; absent: 1000. */
  uid?: number;
  /**
   * Its size's network rates in Mbit/s (what it sends, what it receives), shaped with tc when it starts; absent:
   * unshaped.
   */
  egressMbit?: number;
  ingressMbit?: number;
  createdAt: string;
  /** The release's HTTP startup check (web only); absent: the TCP check. */
  healthcheck?: HealthCheck;
  /**
   * Runs once (the release phase): never restarted, no health check; its exit is reported as `succeeded` or `failed`.
   */
  oneOff?: boolean;
  /**
   * A `paas run` one-off whose input and output go through the controller's rendezvous (core/runs.ts); tty: it gets a
   * terminal.
   */
  attach?: { tty: boolean };
  /**
   * The app sleeps: the container is kept created (or created ahead) but not running, so waking it is only a start.
   * A parked assignment holds no room on its host (placement skips it).
   */
  parked?: boolean;
  /**
   * Parked with its dyno past its lifetime: the agent stops its container rather than freezing it, so that its wake
   * starts a new process and the lifetime clock starts again (a frozen one would be cycled the moment it thawed).
   */
  cold?: boolean;
  /** Why this container was added beside one it replaces: `lifetime` (the agent logs "Cycling"). */
  cause?: 'lifetime';
}

/**
 * `succeeded` / `failed`: a one-off container that has exited (0 / not 0); `sleeping`: a parked container (its app
 * sleeps), created and not running.
 */
export type InstanceState = 'starting' | 'up' | 'crashed' | 'succeeded' | 'failed' | 'sleeping';

/**
 * Written by the scheduler under /release-status/<app>/<v>: what became of a
 * release. `released`: its release phase succeeded (the rollout goes on);
 * `succeeded`: all its web containers came up; `failed`: its release phase
 * failed or its containers did not come up within the rollout timeout.
 */
export interface ReleaseStatusRecord {
  app: string;
  version: number;
  status: 'released' | 'succeeded' | 'failed';
  /** Why it failed, for a person: "web.1 crashed (exit 1) 3 times". */
  reason?: string;
  at: string;
}

/** Written by an agent under /instances/<app>/<id> (leased with the host): what really runs. */
export interface Instance {
  id: string; // = assignment id
  host: string;
  app: string;
  release: number;
  type: string;
  state: InstanceState;
  containerId: string;
  /** Where the router reaches it: host address and published port. */
  address: string;
  port: number;
  /**
   * "ip:port" of the container on its Docker network: reachable from its own host only (a router there skips Docker's
   * port proxy).
   */
  bridge?: string;
  updatedAt: string;
  /** Times the agent has started this container again after it exited or failed its health check. */
  restarts?: number;
  /**
   * Restarts since the container last ran long enough (services/agent/backoff.ts): the exponent of the restart delay.
   */
  backoff?: number;
  /** Exit code and time of its last exit (absent: it never exited). */
  exitCode?: number;
  lastExitAt?: string;
  /** When Docker last started it. */
  startedAt?: string;
  /**
   * The createdAt of the assignment this report answers (it changes when a parked assignment is unparked): a report
   * from before a wake does not count as up after it (absent: older agents; any).
   */
  assignedAt?: string;
}

/** A web container a route sends traffic to. */
export interface RouteDyno {
  /** host:port where routers reach it: its host's address and published port. */
  upstream: string;
  /** Its dyno name (web.1), for the router's log lines. */
  dyno: string;
  host: string;
  /** Its address on its host's Docker network (Instance.bridge): a router on that host uses it instead. */
  bridge?: string;
}

/**
 * Written by the leading scheduler under /placement: how it counts a host's room (so `paas hosts` shows what placement
 * sees).
 */
export interface PlacementSettings {
  policy: string;
  /** A host's CPUs are counted this many times (CPU shares are weights). */
  cpuOvercommit: number;
  /** A host's memory is counted this many times. */
  memoryOvercommit: number;
  scheduler: string;
  updatedAt: string;
}

/**
 * Written by the scheduler under /routes/<app>: what the router renders.
 * Records of older schedulers list `upstreams` beside `dynos`
 * (core/routes.ts reads both).
 */
export interface Route {
  app: string;
  /** The healthy web containers to send traffic to, sorted by upstream, one per upstream. */
  dynos: RouteDyno[];
  /** The release those containers run (0 or absent: none). The builder waits for it after a push. */
  release?: number;
  /** The app's custom domains (besides <app>.<domain>), copied by the scheduler from /domains/. */
  domains?: string[];
  /** Copied from the app record: the router answers 503 with a maintenance page. */
  maintenance?: boolean;
  /** Copied from the app's features (redirect-https): the router answers HTTP with a 308 to HTTPS. */
  redirectHttps?: boolean;
  /**
   * Why no dyno serves, when it is not for good (absent: the app is awake, or has no web process): `sleeping` (a
   * request wakes it: the router holds it and asks for a wake), `waking` (the router holds requests until a dyno is
   * up), `crashed` (its web dynos crashed while waking or starting: the router answers 503 at once).
   */
  state?: RouteState;
  /** When it fell asleep (state `sleeping`). */
  since?: string;
  updatedAt: string;
}

export type RouteState = 'sleeping' | 'waking' | 'crashed';

/**
 * Written by a router under /activity/<app> now and then (not on every request): when it last saw a request for the
 * app, and how many websockets it held open then. The scheduler's idle clock reads it; nobody watches it.
 */
export interface ActivityRecord {
  app: string;
  at: string;
  websockets?: number;
  router: string;
}

/**
 * Written by the controller under /sleep-requests/<app> (`paas ps:sleep`): the app sleeps unless a request came after
 * `at` (it then wakes as from any sleep).
 */
export interface SleepRequest {
  app: string;
  at: string;
  by: string;
}

/**
 * Written by a router under /wakes/<app> when a request comes for a sleeping app: the scheduler watches these and wakes
 * the app (a wake later than the route's `since` wins).
 */
export interface WakeRecord {
  app: string;
  at: string;
  router: string;
}

export interface User {
  id: string;
  email: string;
  admin: boolean;
  createdAt: string;
}

/** Stored under /tokens/<sha256 of the token>; the token itself is never stored. */
export interface TokenRecord {
  user: string;
  /** Also the last segment of its index key /user-tokens/<user>/<id> (absent on tokens minted before ids existed). */
  id?: string;
  description: string;
  createdAt: string;
  /** The token's last four characters, to tell tokens apart in a list. */
  last4?: string;
  expiresAt?: string; // when it stops working (POST /account/tokens `expires_in`); absent: never
}

/** Stored under /user-tokens/<user>/<token id>: the per-user index of tokens, written with the token. */
export interface UserTokenRef {
  hash: string;
}

/** Stored under /collaborators/<app>/<user id>: a user other than the owner who may see, push to and change the app. */
export interface Collaborator {
  user: string;
  app: string;
  /** The App.id it was granted on: a grant left over from a destroyed app does not carry to a new app of that name. */
  appId: string;
  createdAt: string;
}

export interface SshKey {
  fingerprint: string; // SHA256:... as ssh-keygen prints it
  user: string;
  publicKey: string; // "ssh-ed25519 AAAA... comment"
  createdAt: string;
}

/** Stored under /domains/<hostname>: a custom domain, unique across apps. */
export interface Domain {
  hostname: string;
  app: string;
  createdAt: string;
}

/** Heroku's pipeline stages, upstream first (core/pipelines.ts orders them). */
export type PipelineStage = 'review' | 'development' | 'staging' | 'production';

/**
 * Stored under /pipelines/<name>: apps of one code base at successive stages, a build promoted from one stage to the
 * next (`paas pipelines:promote`). Its name is unique, its id tells a pipeline from an older one of the same name.
 */
export interface Pipeline {
  id: string;
  name: string;
  owner: string; // user id
  createdAt: string;
}

/**
 * Stored under /pipeline-couplings/<app>: the app's place in a pipeline (an app is in at most one). It counts only while
 * /pipelines/<pipeline> has the id `pipelineId`.
 */
export interface PipelineCoupling {
  app: string;
  pipeline: string;
  pipelineId: string;
  stage: PipelineStage;
  createdAt: string;
}

/**
 * Written by the controller under /certs/<app>: the app's TLS certificate, uploaded (`paas certs:add`) or issued by
 * an ACME server (`paas certs:auto:enable`). Routers serve it by SNI for the app's hostnames it covers
 * (core/certs.ts certificateCovers). The key is unencrypted PKCS#8 PEM; the API never returns it.
 */
export interface CertificateRecord extends CertificateInfo {
  app: string;
  source: 'upload' | 'acme';
  /** The leaf certificate, then its intermediates, PEM. */
  chainPem: string;
  keyPem: string;
  updatedAt: string;
}

/** Written by the controller under /auto-certs/<app>: automatic certificates (ACME) for the app's custom domains. */
export interface AutoCertRecord {
  app: string;
  enabled: boolean;
  /** Per custom domain: ok (served by an ACME certificate), pending, or failing with the ACME server's error. */
  domains: Record<string, { status: 'ok' | 'pending' | 'failing'; reason?: string; at: string }>;
  /** When the next order (a renewal 30 days before expiry, a retry after a failure) is due. */
  nextAt?: string;
  updatedAt: string;
}

/** Written by the controller under /acme-challenges/<token> while an HTTP-01 challenge is open; routers answer it. */
export interface AcmeChallenge {
  token: string;
  keyAuthorization: string;
  app: string;
  expiresAt: string;
}
