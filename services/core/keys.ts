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
  };
}
