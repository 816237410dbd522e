// Which app images the platform keeps: those of the newest releases, up to
// `n` distinct images (config-only releases share their build's image). The
// builder removes the others; the controller refuses a rollback, or a deploy
// of a slug, whose image is not among them. One rule, so the two always
// agree. An image that releases of several apps name (a slug deploy, a
// pipeline promotion) stays while it is kept by any one of them.

export function keptReleaseImages(releases: ReadonlyArray<{ version: number; image: string }>, n: number): string[] {
  const out: string[] = [];
  for (const r of [...releases].sort((a, b) => b.version - a.version)) {
    if (out.length >= n) break;
    if (r.image && !out.includes(r.image)) out.push(r.image);
  }
  return out;
}

export const DEFAULT_KEEP_RELEASE_IMAGES = 5;
