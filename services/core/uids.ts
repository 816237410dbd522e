import { PaasError } from './errors.js';

// A host uid/gid per app: each app's builds and dynos run as a uid of their
// own, so a process that escaped one app's container owns none of another's
// files or processes. The controller gives one when the app is created, from
// a counter in etcd (keys.nextUid) that only grows: a uid is never given
// twice, so none is reused while files of a destroyed app may exist (an old
// image, a cache). The range starts far above the host's own users and below
// the 31-bit limit of some tools; the user inside the container keeps the
// name `app` (the builder writes the uid into the image's /etc/passwd).

/** The first uid given to an app. */
export const FIRST_APP_UID = 100_000;
/** The last: 2^31 - 2 (2^31 - 1 is nobody's on some systems; -1 means "none" to setuid). */
export const LAST_APP_UID = 2_147_483_646;
/** What apps made before uids per app run as: the stack's `app` user. */
export const LEGACY_APP_UID = 1000;

/** The uid the counter's stored value gives (absent: the first), and the value to store after it. Pure. */
export function nextAppUid(stored: number | undefined): { uid: number; next: number } {
  const uid = stored ?? FIRST_APP_UID;
  if (!Number.isInteger(uid) || uid < FIRST_APP_UID)
    throw new PaasError('internal', `the app uid counter holds ${String(stored)}, below ${FIRST_APP_UID}`);
  if (uid > LAST_APP_UID) throw new PaasError('conflict', 'No app uids are left on this platform');
  return { uid, next: uid + 1 };
}

/** The uid an app's processes run as. Pure. */
export function appUid(app: { uid?: number | undefined }): number {
  return app.uid ?? LEGACY_APP_UID;
}
