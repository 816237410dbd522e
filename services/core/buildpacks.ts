// Buildpack entries and which buildpacks a build uses; pure.
//
// An entry is one of ours by name (`nodejs`, or Heroku's `heroku/nodejs`), a
// git URL (`https://host/repo.git`, optional `#ref`) or a tarball URL
// (`.tgz` / `.tar.gz`). Which list a build uses, first that applies:
//   1. the app's buildpacks set through the API (`paas buildpacks:set`),
//   2. the BUILDPACK_URL config var (one entry),
//   3. a `.buildpacks` file in the pushed source (one entry per line, # comments),
//   4. else detection across our buildpacks in a fixed order.
// With 1-3 every buildpack of the list runs, in order (multi-buildpack).

/** Our buildpacks in detection order; a folder of PAAS_BUILDPACKS_DIR each. */
export const DEFAULT_BUILDPACKS: readonly string[] = ['nodejs', 'static', 'procfile'];

/** Names Heroku users know that mean one of ours. */
export const BUILDPACK_ALIASES: Readonly<Record<string, string>> = {
  'heroku/nodejs': 'nodejs',
  'heroku/static': 'static',
  'heroku-community/static': 'static',
  'heroku/procfile': 'procfile',
  'heroku-community/procfile': 'procfile',
};

export type BuildpackEntry =
  { kind: 'builtin'; name: string } | { kind: 'git'; url: string; ref?: string } | { kind: 'tarball'; url: string };

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export interface EntryOptions {
  /** Our buildpacks' names (a name not here is refused). */
  builtins: readonly string[];
  /** Allow file:// URLs (tests; an operator's PAAS_BUILDPACKS_ALLOW_FILE). */
  allowFile: boolean;
}

export const MAX_BUILDPACKS = 10;
const MAX_ENTRY = 1024;
const BUILTIN_NAME = /^[a-z][a-z0-9-]{0,39}$/;
/** A git ref: no leading dash, no `..`, no shell or URL specials. */
const GIT_REF = /^[A-Za-z0-9_][A-Za-z0-9._/-]{0,99}$/;
/**
 * Characters refused anywhere in a URL: whitespace, quotes and shell specials. Nothing reaches a shell, but nobody
 * needs them.
 */
const UNSAFE = /[\s"'`$;|\\<>{}^]/;

/** The entry as shown to people: our name, or the URL (with #ref). */
export function entryLabel(e: BuildpackEntry): string {
  if (e.kind === 'builtin') return e.name;
  if (e.kind === 'git' && e.ref) return `${e.url}#${e.ref}`;
  return e.url;
}

/**
 * Why a URL's host (as the WHATWG URL parser normalises it: IPv4 in dotted
 * decimal, IPv6 in brackets, lowercase) must never be fetched on a tenant's
 * behalf, or undefined. Only literal addresses and names that mean this
 * machine; a DNS name that resolves to one is fetched from a container that
 * cannot reach them (builder/build/bpfetch.ts).
 */
export function internalHost(hostname: string): string | undefined {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return `a loopback name (${h})`;
  const v4 = ipv4(h) ?? mappedIpv4(h);
  if (v4) {
    const [a, b] = v4;
    if (a === 127) return `a loopback address (${h})`;
    if (a === 0) return `an unspecified address (${h})`;
    if (a === 169 && b === 254) return `a link-local (metadata) address (${h})`;
    return undefined;
  }
  if (h.startsWith('[')) {
    const inner = h.slice(1, -1);
    if (inner === '::1') return `a loopback address (${h})`;
    if (inner === '::') return `an unspecified address (${h})`;
    if (/^fe[89ab][0-9a-f]:/.test(inner)) return `a link-local address (${h})`;
  }
  return undefined;
}

function ipv4(h: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m ? m.slice(1).map(Number) : undefined;
}

/** [::ffff:7f00:1] (the parser's form of ::ffff:127.0.0.1) as IPv4. */
function mappedIpv4(h: string): number[] | undefined {
  const m = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(h);
  if (!m) return undefined;
  const hi = parseInt(m[1] as string, 16);
  const lo = parseInt(m[2] as string, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255];
}

/**
 * Validates one entry; an alias of ours becomes our name, a URL keeps its text (the fragment split off as the git ref).
 */
export function parseBuildpackEntry(text: string, opts: EntryOptions): Parsed<BuildpackEntry> {
  const raw = text.trim();
  if (raw === '') return { ok: false, message: 'A buildpack must not be empty' };
  if (raw.length > MAX_ENTRY) return { ok: false, message: `A buildpack URL must be at most ${MAX_ENTRY} characters` };
  const show = JSON.stringify(raw.length > 80 ? raw.slice(0, 80) + '...' : raw);
  if (!raw.includes(':')) {
    const name = BUILDPACK_ALIASES[raw] ?? raw;
    if (BUILTIN_NAME.test(name) && opts.builtins.includes(name)) return { ok: true, value: { kind: 'builtin', name } };
    return {
      ok: false,
      message: `Unknown buildpack ${show}: use one of ${opts.builtins.join(', ')}, a git URL (https://.../repo.git#ref) or a tarball URL (.tgz)`,
    };
  }
  if (UNSAFE.test(raw))
    return { ok: false, message: `Buildpack URL ${show} contains a space, quote or shell character` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: `Buildpack ${show} is not a valid URL` };
  }
  const schemes = opts.allowFile ? ['http:', 'https:', 'file:'] : ['http:', 'https:'];
  if (!schemes.includes(url.protocol)) {
    const allowed = schemes.map((s) => s.slice(0, -1)).join(', ');
    return {
      ok: false,
      message: `Buildpack URL ${show} must use ${allowed}${opts.allowFile ? '' : ' (file:// is off on this platform)'}`,
    };
  }
  const internal = url.protocol === 'file:' ? undefined : internalHost(url.hostname);
  if (internal)
    return {
      ok: false,
      message: `Buildpack URL ${show} points at ${internal}; buildpacks are fetched as an app would fetch them, and the platform refuses loopback, unspecified and link-local (metadata) addresses`,
    };
  const fragment = url.hash.slice(1);
  url.hash = '';
  const base = url.href;
  if (/\.(tgz|tar\.gz)$/i.test(url.pathname)) {
    if (fragment) return { ok: false, message: `Buildpack URL ${show}: a tarball takes no #ref` };
    return { ok: true, value: { kind: 'tarball', url: base } };
  }
  if (fragment && !(GIT_REF.test(fragment) && !fragment.includes('..')))
    return { ok: false, message: `Buildpack URL ${show}: #${fragment.slice(0, 40)} is not a valid git ref` };
  return { ok: true, value: fragment ? { kind: 'git', url: base, ref: fragment } : { kind: 'git', url: base } };
}

/** A `.buildpacks` file: one entry per line; blank lines and # comments skipped. Errors name the line. */
export function parseBuildpacksFile(text: string, opts: EntryOptions): Parsed<BuildpackEntry[]> {
  const out: BuildpackEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    const e = parseBuildpackEntry(line, opts);
    if (!e.ok) return { ok: false, message: `.buildpacks line ${i + 1}: ${e.message}` };
    out.push(e.value);
  }
  if (out.length > MAX_BUILDPACKS)
    return { ok: false, message: `.buildpacks lists ${out.length} buildpacks; the limit is ${MAX_BUILDPACKS}` };
  return { ok: true, value: out };
}

export type BuildpackSource = 'app' | 'BUILDPACK_URL' | '.buildpacks' | 'detect';

export interface BuildpackChoice {
  source: BuildpackSource;
  /** detect: the first of these that detects; otherwise all of them, in order. */
  entries: BuildpackEntry[];
}

export interface ChoiceInput {
  /** The app's list set through the API (entries as stored). */
  app: readonly string[];
  /** The BUILDPACK_URL config var, if set. */
  buildpackUrl: string | undefined;
  /** The `.buildpacks` file of the source, if any. */
  dotBuildpacks: string | undefined;
  /** Our buildpacks, in detection order. */
  defaults: readonly string[];
  allowFile: boolean;
}

/** Which buildpacks a build uses (precedence in this file's header). */
export function chooseBuildpacks(input: ChoiceInput): Parsed<BuildpackChoice> {
  const opts: EntryOptions = { builtins: input.defaults, allowFile: input.allowFile };
  if (input.app.length > 0) {
    const entries: BuildpackEntry[] = [];
    for (const text of input.app) {
      const e = parseBuildpackEntry(text, opts);
      if (!e.ok) return { ok: false, message: `The app's buildpack ${JSON.stringify(text)}: ${e.message}` };
      entries.push(e.value);
    }
    return { ok: true, value: { source: 'app', entries } };
  }
  if (input.buildpackUrl !== undefined && input.buildpackUrl.trim() !== '') {
    const e = parseBuildpackEntry(input.buildpackUrl, opts);
    if (!e.ok) return { ok: false, message: `BUILDPACK_URL: ${e.message}` };
    return { ok: true, value: { source: 'BUILDPACK_URL', entries: [e.value] } };
  }
  if (input.dotBuildpacks !== undefined) {
    const list = parseBuildpacksFile(input.dotBuildpacks, opts);
    if (!list.ok) return list;
    if (list.value.length > 0) return { ok: true, value: { source: '.buildpacks', entries: list.value } };
  }
  return { ok: true, value: { source: 'detect', entries: input.defaults.map((name) => ({ kind: 'builtin', name })) } };
}

/** Heroku's `{url, name}` of a stored entry (ours by name, a URL as given). */
export function buildpackView(text: string): { url: string; name: string } {
  return { url: text, name: text };
}
