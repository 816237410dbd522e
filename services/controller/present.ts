import { parsePublicKey } from '../core/sshkeys.js';
import type { App, Formation, Release, SshKey, User } from '../core/types.js';
import { gitUrl, webUrl } from '../core/urls.js';
import type { UserRef, AppInfo, ReleaseView, KeyView } from '../core/api.js';
import { sortedEntries } from '../core/compare.js';
import { releaseId } from '../core/ids.js';

// Pure views: store records -> the JSON shapes of the HTTP API
// (docs/architecture.md, "Controller HTTP API").

export interface UrlSettings {
  domain: string;
  httpPort: number;
  sshHost: string;
  sshPort: number;
}

export function appUrls(app: string, urls: UrlSettings): { web_url: string; git_url: string } {
  return { web_url: webUrl(app, urls.domain, urls.httpPort), git_url: gitUrl(app, urls.sshHost, urls.sshPort) };
}

export function userRef(id: string, user: User | undefined): UserRef {
  return { id, email: user?.email ?? null };
}

export function accountView(user: User): { id: string; email: string; admin: boolean } {
  return { id: user.id, email: user.email, admin: user.admin };
}

export function appInfo(app: App, owner: User | undefined, urls: UrlSettings): AppInfo {
  return {
    id: app.id,
    name: app.name,
    owner: userRef(app.owner, owner),
    created_at: app.createdAt,
    ...appUrls(app.name, urls),
    release: app.latestRelease > 0 ? { version: app.latestRelease } : null,
    maintenance: app.maintenance ?? false,
    pool: app.pool && Object.keys(app.pool).length ? { ...app.pool } : null,
  };
}

export function releaseView(release: Release, creator: User | undefined): ReleaseView {
  return {
    id: releaseId(release.app, release.version),
    version: release.version,
    description: release.description,
    commit: release.commit ?? null,
    created_at: release.createdAt,
    user: userRef(release.createdBy, creator),
  };
}

export function formationView(formation: Formation): { type: string; quantity: number; size: string }[] {
  return sortedEntries(formation).map(([type, e]) => ({ type, quantity: e.quantity, size: e.size }));
}

export function keyView(key: SshKey): KeyView {
  let comment = '';
  try {
    comment = parsePublicKey(key.publicKey).comment;
  } catch {
    // stored keys were parsed on the way in; an unreadable one just has no comment
  }
  return { id: key.fingerprint, fingerprint: key.fingerprint, public_key: key.publicKey, comment, created_at: key.createdAt };
}
