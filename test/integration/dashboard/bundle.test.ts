import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, indexHtml } from '../../../services/dashboard/bundle.js';

// The dashboard's bundle (services/dashboard/bundle.ts, esbuild, offline):
// index.html names a hashed script and style that exist, with no inline
// script or style for the CSP to refuse; a bundle keeps the files of the one
// before it (a page that loaded it still finds them) and drops older ones.

const out = mkdtempSync(join(tmpdir(), 'paas-bundle-'));

describe('the dashboard bundle', () => {
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes index.html naming app-<hash>.js and .css, nothing inline', async () => {
    const b = await bundle({ outDir: out });
    expect(b.script).toMatch(/^assets\/app-[A-Z0-9]+\.js$/);
    expect(b.style).toMatch(/^assets\/app-[A-Z0-9]+\.css$/);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain(`<script type="module" src="/${b.script}"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="/${b.style}" />`);
    expect(html).not.toMatch(/<style|\sstyle=|<script>|<script type="module">|\son[a-z]+=/i);
    const js = readFileSync(join(out, b.script), 'utf8');
    expect(/\beval\(|new Function\(/.test(js)).toBe(false); // the CSP allows no eval
    const css = readFileSync(join(out, b.style), 'utf8');
    expect(css).toContain('.uplot'); // uPlot's own CSS, bundled
    expect(css).toContain('.topbar');
  });

  it("keeps the previous bundle's assets and drops older ones", async () => {
    const assets = join(out, 'assets');
    // as if index.html were a bundle's that named app-PREV*, and app-OLD* were of the one before
    writeFileSync(join(out, 'index.html'), indexHtml('app-PREV0000.js', 'app-PREV0000.css'));
    for (const f of ['app-PREV0000.js', 'app-PREV0000.css', 'app-OLD00000.js', 'app-OLD00000.js.map'])
      writeFileSync(join(assets, f), '');
    const b = await bundle({ outDir: out });
    expect(readdirSync(assets).sort()).toEqual(
      [b.script, `${b.script}.map`, b.style, `${b.style}.map`]
        .map((f) => f.replace('assets/', ''))
        .concat(['app-PREV0000.css', 'app-PREV0000.js'])
        .sort(),
    );
  });
});
