// Where builders serve their engine's images to agents of other engines
// (builder/imageserver.ts serves, agent/images.ts fetches): the record a
// builder registers in etcd and the request paths, shared by both. Pure.

/** What a builder registers: where agents fetch images. */
export interface ImageServerRecord {
  name: string;
  url: string;
  startedAt: string;
}

/** A reference Docker accepts: an image id, or a [registry/]name[:tag][@digest]. */
const IMAGE_REF =
  /^(?:sha256:[0-9a-f]{12,64}|[a-z0-9][a-z0-9._-]*(?::[0-9]{1,5})?(?:\/[a-z0-9][a-z0-9._-]*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?)$/;

/** Whether `ref` is an image reference the server answers for (never a path, an option or a space). Pure. */
export function isImageRef(ref: string): boolean {
  return ref.length <= 255 && IMAGE_REF.test(ref);
}

/** The request path that names `ref` (`/images/<encoded>`). Pure. */
export function imagePath(ref: string): string {
  return `/images/${encodeURIComponent(ref)}`;
}

/** The reference a request path names, or undefined when it names none (not /images/..., or not a reference). Pure. */
export function imageRefOf(path: string): string | undefined {
  const m = /^\/images\/([^/?#]+)$/.exec(path.split('?')[0] ?? '');
  if (!m) return undefined;
  let ref: string;
  try {
    ref = decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
  return isImageRef(ref) ? ref : undefined;
}
