// Bundles the dashboard's UI (services/dashboard/ui/main.tsx: Preact, uPlot
// and their CSS) with esbuild into <out>/assets/app-<hash>.js and .css, and
// writes <out>/index.html naming them: no inline script or style, as the
// dashboard's Content-Security-Policy wants. `npm run build` runs it after
// tsc: `node dist/services/dashboard/bundle.js [out]` (default
// <repo>/dist/dashboard). Offline: esbuild is a local binary.

import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createLogger } from '../core/logger.js';

const ENTRY = 'services/dashboard/ui/main.tsx';

export interface BundleOptions {
  /** Where index.html and assets/ go. */
  outDir: string;
  /** The repository (default: found above this file). */
  repoDir?: string;
  minify?: boolean;
  sourcemap?: boolean;
}

export interface Bundle {
  /** The files written, relative to outDir: index.html, assets/app-<hash>.js, assets/app-<hash>.css (and maps). */
  files: string[];
  script: string;
  style: string;
}

/** The repository this file is in: the first folder above it with the UI's entry point. */
export function repoDirOf(start = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, ENTRY))) return dir;
    if (dirname(dir) === dir) throw new Error(`no ${ENTRY} above ${start}`);
  }
}

export function indexHtml(script: string, style: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>paas dashboard</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/assets/${style}" />
    <script type="module" src="/assets/${script}"></script>
  </head>
  <body>
    <div id="app"></div>
  </body>
</html>
`;
}

export async function bundle(opts: BundleOptions): Promise<Bundle> {
  const repo = opts.repoDir ?? repoDirOf();
  const outDir = resolve(opts.outDir);
  const assets = join(outDir, 'assets');
  await mkdir(assets, { recursive: true });
  const result = await build({
    absWorkingDir: repo,
    entryPoints: [ENTRY],
    tsconfig: 'services/dashboard/ui/tsconfig.json',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: opts.minify ?? true,
    sourcemap: opts.sourcemap ?? true,
    outdir: assets,
    entryNames: 'app-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const written = Object.keys(result.metafile.outputs).map((f) => relative(outDir, resolve(repo, f)));
  const script = written.find((f) => /^assets\/app-[^/]+\.js$/.test(f));
  const style = written.find((f) => /^assets\/app-[^/]+\.css$/.test(f));
  if (!script || !style) throw new Error(`esbuild wrote no app script or style: ${written.join(', ')}`);

  // index.html in one step (a server reading it never sees half); the assets of the one before it stay (a page
  // loaded from it, or a server that read it, still finds them), older ones go
  const index = join(outDir, 'index.html');
  const previous = await readFile(index, 'utf8').catch(() => '');
  const tmp = join(outDir, `.index.html.${process.pid}`);
  await writeFile(tmp, indexHtml(basename(script), basename(style)));
  await rename(tmp, index);
  const keep = new Set(written.map((f) => basename(f)));
  for (const m of previous.matchAll(/\/assets\/(app-[A-Za-z0-9_-]+\.(?:js|css))"/g)) {
    keep.add(m[1] as string);
    keep.add(`${m[1]}.map`);
  }
  for (const f of await readdir(assets)) if (!keep.has(f)) await rm(join(assets, f), { force: true });
  return { files: ['index.html', ...written], script, style };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const repo = repoDirOf();
  const out = process.argv[2] ?? join(repo, 'dist', 'dashboard');
  const started = Date.now();
  const log = createLogger('dashboard').child({ module: 'bundle' });
  bundle({ outDir: out, repoDir: repo }).then(
    (b) =>
      log.info(
        { script: b.script, style: b.style, dir: relative(repo, out) || '.', ms: Date.now() - started },
        'dashboard bundled',
      ),
    (err: unknown) => {
      log.error({ err }, 'the dashboard could not be bundled');
      process.exit(1);
    },
  );
}
