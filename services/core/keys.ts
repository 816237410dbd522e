// The etcd key layout, in one place. Every key is under a prefix (default
// /paas) so two platforms can share one etcd (the test run does).

export interface KeyLayout {
  prefix: string;
  app(name: string): string;
  /** The next app uid to give (core/uids.ts): a counter, so a uid is never given twice. */
  nextUid(): string;
  apps(): string;
  release(app: string, version: number): string;
  releases(app: string): string;
  formation(app: string): string;
  host(id: string): string;
  hosts(): string;
  /** An admin's tag changes for a host (HostTagOverride), apart from the leased host record. */
  hostTags(id: string): string;
  placement(): string;
  allHostTags(): string;
  assignment(host: string, id: string): string;
  assignments(host?: string): string;
  instance(app: string, id: string): string;
  instances(app?: string): string;
  route(app: string): string;
  routes(): string;
  user(id: string): string;
  users(): string;
  userByEmail(email: string): string;
  token(hash: string): string;
  /** A user's password, hashed (controller/users/passwords.ts PasswordRecord: scrypt, its salt and parameters); never in a view. */
  password(user: string): string;
  sshKey(fingerprint: string): string;
  sshKeys(): string;
  schedulerElection(): string;
  collaborator(app: string, user: string): string;
  collaborators(app: string): string;
  /** Every app's collaborators: the prefix of all collaborator keys. */
  allCollaborators(): string;
  domain(hostname: string): string;
  domains(): string;
  restart(app: string): string;
  userToken(user: string, id: string): string;
  userTokens(user: string): string;
  /** The app's own buildpack list: string[] (core/buildpacks.ts). */
  buildpacks(app: string): string;
  /** A build record (core/builds.ts): ids sort by time. */
  build(app: string, id: string): string;
  builds(app: string): string;
  /** A build's output lines, apart from the record so that listing stays light. */
  buildOutput(app: string, id: string): string;
  /** The app's build-cache clear requests: {generation, clearedAt}. */
  buildCache(app: string): string;
  /** What became of a release (ReleaseStatusRecord), written by the scheduler. */
  releaseStatus(app: string, version: number): string;
  /** One app's release status records; without an app, every app's. */
  releaseStatuses(app?: string): string;
  /** A log drain of the app (controller/logs/drains.ts). */
  drain(app: string, id: string): string;
  /** One app's drains; without an app, every app's. */
  drains(app?: string): string;
  /** A one-off dyno request (core/runs.ts RunRequest), `paas run`. */
  run(app: string, name: string): string;
  /** One app's run requests; without an app, every app's. */
  runs(app?: string): string;
  /** When a router last saw traffic for the app (ActivityRecord). */
  activity(app: string): string;
  activities(): string;
  /** A router's request to wake a sleeping app (WakeRecord). */
  wake(app: string): string;
  wakes(): string;
  /** A user's request that the app sleep now (SleepRequest, `paas ps:sleep`), written by the controller. */
  sleepRequest(app: string): string;
  sleepRequests(): string;
  /** A pipeline (Pipeline), by its name. */
  pipeline(name: string): string;
  pipelines(): string;
  /** The app's place in a pipeline (PipelineCoupling). */
  pipelineCoupling(app: string): string;
  pipelineCouplings(): string;
  /** The app's TLS certificate (CertificateRecord: uploaded or from ACME), read by routers and the controller only. */
  cert(app: string): string;
  certs(): string;
  /** The app's automatic-certificate state (AutoCertRecord: `paas certs:auto`), written by the controller. */
  autoCert(app: string): string;
  autoCerts(): string;
  /** An HTTP-01 challenge a router answers at /.well-known/acme-challenge/<token> (AcmeChallenge). */
  acmeChallenge(token: string): string;
  acmeChallenges(): string;
  /** The platform's ACME account (its key, PEM, and URL), made at the first order. */
  acmeAccount(): string;
  /** The app's build in progress ({id, at}: core/builds.ts ActiveBuild), put and deleted with its build record. */
  activeBuild(app: string): string;
  activeBuilds(): string;
  /**
   * The lock a builder holds while it builds the app ({builder, build, at}: builder/build/applock.ts), under the
   * builder's lease: builds of one app never run at once on two builders; a dead builder's goes with its lease.
   */
  buildLock(app: string): string;
  buildLocks(): string;
  /** The app's recent platform events (AppEventLog: scale, restart, policy, maintenance, domain), one capped record. */
  appEvents(app: string): string;
  /**
   * A builder that serves its engine's images to agents on other Docker engines (builder/images/serve.ts
   * ImageServerRecord: its URL), under the builder's lease: it goes when the builder does.
   */
  imageServer(name: string): string;
  imageServers(): string;
  /**
   * A live controller (PeerRecord: {id, url, startedAt}, controller/peers/registry.ts), under its lease: what peers
   * replicate logs and metrics to and proxy `paas run` sides to.
   */
  controller(id: string): string;
  controllers(): string;
  /**
   * The controller that hosts a `paas run` rendezvous (RendezvousHolder: {id, url}), under that controller's lease:
   * put by the first side to arrive, read by the second (controller/runs/relay.ts).
   */
  rendezvous(app: string, name: string): string;
  rendezvousAll(app?: string): string;
  /** An add-on (core/addons.ts AddonRecord), by its name, written by the controller; its `app` owns it. */
  addon(name: string): string;
  addons(): string;
  /** An add-on attached to the app under an alias (AttachmentRecord: the config vars it set). */
  addonAttachment(app: string, alias: string): string;
  /** One app's attachments; without an app, every app's. */
  addonAttachments(app?: string): string;
  /** An add-on's container on a host (AddonAssignment), written by the scheduler. */
  addonAssignment(host: string, name: string): string;
  addonAssignments(host?: string): string;
  /** What runs of an add-on (AddonInstance), under its host's lease, written by that host's agent. */
  addonInstance(name: string): string;
  addonInstances(): string;
}

/** Versions are zero-padded so that etcd's byte order is numeric order. */
export function padVersion(v: number): string {
  return String(v).padStart(10, '0');
}

export function keyLayout(prefix = '/paas'): KeyLayout {
  const p = prefix.replace(/\/+$/, '');
  return {
    prefix: p,
    app: (name) => `${p}/apps/${name}`,
    nextUid: () => `${p}/uids/next`,
    apps: () => `${p}/apps/`,
    release: (app, v) => `${p}/releases/${app}/${padVersion(v)}`,
    releases: (app) => `${p}/releases/${app}/`,
    formation: (app) => `${p}/formation/${app}`,
    host: (id) => `${p}/hosts/${id}`,
    hosts: () => `${p}/hosts/`,
    hostTags: (id) => `${p}/host-tags/${id}`,
    placement: () => `${p}/placement`,
    allHostTags: () => `${p}/host-tags/`,
    assignment: (host, id) => `${p}/assignments/${host}/${id}`,
    assignments: (host) => (host ? `${p}/assignments/${host}/` : `${p}/assignments/`),
    instance: (app, id) => `${p}/instances/${app}/${id}`,
    instances: (app) => (app ? `${p}/instances/${app}/` : `${p}/instances/`),
    route: (app) => `${p}/routes/${app}`,
    routes: () => `${p}/routes/`,
    user: (id) => `${p}/users/${id}`,
    users: () => `${p}/users/`,
    userByEmail: (email) => `${p}/user-emails/${encodeURIComponent(email.toLowerCase())}`,
    token: (hash) => `${p}/tokens/${hash}`,
    password: (user) => `${p}/passwords/${user}`,
    sshKey: (fp) => `${p}/keys/${encodeURIComponent(fp)}`,
    sshKeys: () => `${p}/keys/`,
    schedulerElection: () => `${p}/election/scheduler`,
    collaborator: (app, user) => `${p}/collaborators/${app}/${user}`,
    collaborators: (app) => `${p}/collaborators/${app}/`,
    allCollaborators: () => `${p}/collaborators/`,
    domain: (hostname) => `${p}/domains/${hostname}`,
    domains: () => `${p}/domains/`,
    restart: (app) => `${p}/restarts/${app}`,
    userToken: (user, id) => `${p}/user-tokens/${user}/${id}`,
    userTokens: (user) => `${p}/user-tokens/${user}/`,
    buildpacks: (app) => `${p}/buildpacks/${app}`,
    build: (app, id) => `${p}/builds/${app}/${id}`,
    builds: (app) => `${p}/builds/${app}/`,
    buildOutput: (app, id) => `${p}/build-output/${app}/${id}`,
    buildCache: (app) => `${p}/build-cache/${app}`,
    releaseStatus: (app, v) => `${p}/release-status/${app}/${padVersion(v)}`,
    releaseStatuses: (app) => (app ? `${p}/release-status/${app}/` : `${p}/release-status/`),
    drain: (app, id) => `${p}/drains/${app}/${id}`,
    drains: (app) => (app ? `${p}/drains/${app}/` : `${p}/drains/`),
    run: (app, name) => `${p}/runs/${app}/${name}`,
    runs: (app) => (app ? `${p}/runs/${app}/` : `${p}/runs/`),
    activity: (app) => `${p}/activity/${app}`,
    activities: () => `${p}/activity/`,
    wake: (app) => `${p}/wakes/${app}`,
    wakes: () => `${p}/wakes/`,
    sleepRequest: (app) => `${p}/sleep-requests/${app}`,
    sleepRequests: () => `${p}/sleep-requests/`,
    pipeline: (name) => `${p}/pipelines/${name}`,
    pipelines: () => `${p}/pipelines/`,
    pipelineCoupling: (app) => `${p}/pipeline-couplings/${app}`,
    pipelineCouplings: () => `${p}/pipeline-couplings/`,
    cert: (app) => `${p}/certs/${app}`,
    certs: () => `${p}/certs/`,
    autoCert: (app) => `${p}/auto-certs/${app}`,
    autoCerts: () => `${p}/auto-certs/`,
    acmeChallenge: (token) => `${p}/acme-challenges/${token}`,
    acmeChallenges: () => `${p}/acme-challenges/`,
    acmeAccount: () => `${p}/acme-account`,
    appEvents: (app) => `${p}/app-events/${app}`,
    activeBuild: (app) => `${p}/active-builds/${app}`,
    activeBuilds: () => `${p}/active-builds/`,
    buildLock: (app) => `${p}/build-locks/${app}`,
    buildLocks: () => `${p}/build-locks/`,
    imageServer: (name) => `${p}/image-servers/${name}`,
    imageServers: () => `${p}/image-servers/`,
    controller: (id) => `${p}/controllers/${id}`,
    controllers: () => `${p}/controllers/`,
    rendezvous: (app, name) => `${p}/rendezvous/${app}/${name}`,
    rendezvousAll: (app) => (app ? `${p}/rendezvous/${app}/` : `${p}/rendezvous/`),
    addon: (name) => `${p}/addons/${name}`,
    addons: () => `${p}/addons/`,
    addonAttachment: (app, alias) => `${p}/addon-attachments/${app}/${alias}`,
    addonAttachments: (app) => (app ? `${p}/addon-attachments/${app}/` : `${p}/addon-attachments/`),
    addonAssignment: (host, name) => `${p}/addon-assignments/${host}/${name}`,
    addonAssignments: (host) => (host ? `${p}/addon-assignments/${host}/` : `${p}/addon-assignments/`),
    addonInstance: (name) => `${p}/addon-instances/${name}`,
    addonInstances: () => `${p}/addon-instances/`,
  };
}

// ---- what becomes of an app's keys when it is renamed or destroyed ---------
// (controller/apps/lifecycle.ts iterates this list for both; a unit test fails
// when a layout function that takes an app name is not classified here).

/**
 * The keys of one family for one app: a single key, every key under a prefix, or the records under a prefix (of all
 * apps) whose `app` is the app.
 */
export type AppKeys = { key: string } | { prefix: string } | { where: string };

/**
 * On rename: `move` the keys to the new name with their values as they are;
 * `move-app` them and set each record's `app` to the new name; `app-field`:
 * the keys stay (they are not keyed by app) and the records' `app` changes;
 * `drop` them (they are of the old name: build records, the restart record);
 * `others`: left to the service that writes them (scheduler, agent).
 */
export type OnRename = 'move' | 'move-app' | 'app-field' | 'drop' | 'others';

export interface AppKeyFamily {
  /** The layout's functions that name the family's keys. */
  fns: readonly (keyof KeyLayout)[];
  keys: (k: KeyLayout, app: string) => AppKeys;
  rename: OnRename;
  /** Destroying the app deletes them (false: their writer removes them). */
  destroy: boolean;
}

/** The app record itself (keyLayout's `app`): lifecycle.ts reads, guards and rewrites it apart. */
export const APP_RECORD_FN = 'app' satisfies keyof KeyLayout;

/** Every per-app key family but the app record, in the order a rename and a destroy write them. */
export const APP_KEY_FAMILIES: readonly AppKeyFamily[] = [
  { fns: ['release', 'releases'], keys: (k, app) => ({ prefix: k.releases(app) }), rename: 'move-app', destroy: true },
  { fns: ['formation'], keys: (k, app) => ({ key: k.formation(app) }), rename: 'move', destroy: true },
  {
    fns: ['collaborator', 'collaborators'],
    keys: (k, app) => ({ prefix: k.collaborators(app) }),
    rename: 'move-app',
    destroy: true,
  },
  { fns: ['restart'], keys: (k, app) => ({ key: k.restart(app) }), rename: 'drop', destroy: true },
  { fns: ['buildpacks'], keys: (k, app) => ({ key: k.buildpacks(app) }), rename: 'move', destroy: true },
  // build records and their output are of the old name's repository, which the builder removes
  { fns: ['build', 'builds'], keys: (k, app) => ({ prefix: k.builds(app) }), rename: 'drop', destroy: true },
  { fns: ['buildOutput'], keys: (k, app) => ({ prefix: k.buildOutput(app, '') }), rename: 'drop', destroy: true },
  { fns: ['buildCache'], keys: (k, app) => ({ key: k.buildCache(app) }), rename: 'drop', destroy: true },
  { fns: ['activeBuild'], keys: (k, app) => ({ key: k.activeBuild(app) }), rename: 'drop', destroy: true },
  // leased by the builder that builds the app; it deletes it when the build ends (or its lease expires)
  {
    fns: ['buildLock'],
    keys: (k, app) => ({ key: k.buildLock(app) }),
    rename: 'others',
    destroy: false,
  },
  {
    fns: ['releaseStatus', 'releaseStatuses'],
    keys: (k, app) => ({ prefix: k.releaseStatuses(app) }),
    rename: 'move-app',
    destroy: true,
  },
  { fns: ['drain', 'drains'], keys: (k, app) => ({ prefix: k.drains(app) }), rename: 'move-app', destroy: true },
  // keyed by hostname; each names its app
  { fns: ['domain'], keys: (k) => ({ where: k.domains() }), rename: 'app-field', destroy: true },
  // the scheduler's and the agents': they follow the apps that exist
  {
    fns: ['instance', 'instances'],
    keys: (k, app) => ({ prefix: k.instances(app) }),
    rename: 'others',
    destroy: false,
  },
  { fns: ['route'], keys: (k, app) => ({ key: k.route(app) }), rename: 'others', destroy: false },
  { fns: ['run', 'runs'], keys: (k, app) => ({ prefix: k.runs(app) }), rename: 'others', destroy: false },
  // leased, removed by the controller that holds the rendezvous when the run's sides leave
  {
    fns: ['rendezvous', 'rendezvousAll'],
    keys: (k, app) => ({ prefix: k.rendezvousAll(app) }),
    rename: 'others',
    destroy: false,
  },
  // the routers': traffic seen, wakes asked; of the old name (a renamed app starts awake)
  { fns: ['activity'], keys: (k, app) => ({ key: k.activity(app) }), rename: 'drop', destroy: true },
  { fns: ['wake'], keys: (k, app) => ({ key: k.wake(app) }), rename: 'drop', destroy: true },
  { fns: ['sleepRequest'], keys: (k, app) => ({ key: k.sleepRequest(app) }), rename: 'drop', destroy: true },
  // the app's place in a pipeline goes with it (the pipeline itself stays, as on Heroku)
  {
    fns: ['pipelineCoupling'],
    keys: (k, app) => ({ key: k.pipelineCoupling(app) }),
    rename: 'move-app',
    destroy: true,
  },
  // a certificate names the app's domains, not the app: it moves with it
  { fns: ['cert'], keys: (k, app) => ({ key: k.cert(app) }), rename: 'move-app', destroy: true },
  { fns: ['autoCert'], keys: (k, app) => ({ key: k.autoCert(app) }), rename: 'move-app', destroy: true },
  // the activity feed's recorded events (one key, capped): the app's history goes with it
  { fns: ['appEvents'], keys: (k, app) => ({ key: k.appEvents(app) }), rename: 'move', destroy: true },
  // the add-ons the app owns (keyed by add-on name; each names its owner app): they go with it, as on Heroku; the
  // scheduler then removes their containers (their volumes stay: the agent's add-on runner)
  { fns: ['addon'], keys: (k) => ({ where: k.addons() }), rename: 'app-field', destroy: true },
  // the add-ons attached to the app: the attachment goes with the app (its config vars are in its releases)
  {
    fns: ['addonAttachment', 'addonAttachments'],
    keys: (k, app) => ({ prefix: k.addonAttachments(app) }),
    rename: 'move-app',
    destroy: true,
  },
];

/** The layout's functions that take an argument other than an app name. */
export const NOT_PER_APP_FNS: readonly (keyof KeyLayout)[] = [
  'host',
  'hostTags',
  'assignment',
  'assignments',
  'user',
  'userByEmail',
  'token',
  'password',
  'sshKey',
  'userToken',
  'userTokens',
  'pipeline',
  'acmeChallenge',
  'imageServer',
  'controller',
  'addonAssignment',
  'addonAssignments',
  'addonInstance',
];
