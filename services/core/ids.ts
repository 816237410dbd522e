// The names of dynos and assignments, built and parsed here only.
//
//   dyno name        web.1, run.1234         what `paas ps` shows and $DYNO holds
//   assignment id    my-app.web.1.v3         one container of one release
//                    my-app.run.1234.v3      a one-off
//   release id       my-app-v3               the API's release `id`
//   slug id          my-app/v3               the image release 3 runs (ReleaseInfo.slug.id, a build's slug)

/** `web.1` */
export function dynoName(type: string, index: number): string {
  return `${type}.${index}`;
}

/** `web.1` -> { type: 'web', index: 1 }; undefined when it is not a dyno name. */
export function parseDynoName(name: string): { type: string; index: number } | undefined {
  const m = /^([a-zA-Z0-9_-]{1,30})\.([1-9]\d{0,5})$/.exec(name);
  return m ? { type: m[1] as string, index: Number(m[2]) } : undefined;
}

/** `my-app.web.1.v3`: the dyno `web.1` (or a one-off's `run.1234`) of release 3. */
export function assignmentId(app: string, dyno: string, release: number): string {
  return `${app}.${dyno}.v${release}`;
}

/** `my-app.web.1.v3` -> its parts; undefined for anything else. */
export function parseAssignmentId(
  id: string,
): { app: string; type: string; index: number; release: number } | undefined {
  const m = /^([a-z][a-z0-9-]*)\.([a-zA-Z0-9_-]{1,30})\.([1-9]\d{0,5})\.v([1-9]\d*)$/.exec(id);
  return m ? { app: m[1] as string, type: m[2] as string, index: Number(m[3]), release: Number(m[4]) } : undefined;
}

/** `my-app-v3` */
export function releaseId(app: string, version: number): string {
  return `${app}-v${version}`;
}

/**
 * `my-app/v3`: the slug id of release 3 of my-app, i.e. the image that release runs (Heroku's slug). Releases never
 * change, so while the app lives it always names the same image; config-only releases name their build's image under
 * their own version. POST /apps/:app/releases `{slug}` deploys it to another (or the same) app.
 */
export function slugId(app: string, version: number): string {
  return `${app}/v${version}`;
}

/** `my-app/v3` -> { app: 'my-app', version: 3 }; undefined for anything else (the app name is checked by shape only). */
export function parseSlugId(id: string): { app: string; version: number } | undefined {
  const m = /^([a-z][a-z0-9-]{1,29})\/v([1-9]\d{0,9})$/.exec(id);
  return m ? { app: m[1] as string, version: Number(m[2]) } : undefined;
}
