import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// vitest globalSetup of the integration and e2e tiers: compiles the project
// once per run (and bundles the dashboard's UI into dist/dashboard), so tests
// that run the built `paas` binary (dist/cli/main.js) or open the dashboard
// test the code as it is now, and none of them has to build it itself.
// PAAS_TEST_SKIP_BUILD=1 skips it when dist/ was just built (scripts/test,
// after scripts/up) or while someone else's half-done code does not compile.
export default function setup(): void {
  if (process.env.PAAS_TEST_SKIP_BUILD === '1') return;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -p tsconfig.json failed:\n${r.stdout}${r.stderr}`);
  const b = spawnSync('node', ['dist/services/dashboard/bundle.js'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`the dashboard's bundle failed:\n${b.stdout}${b.stderr}`);
}
