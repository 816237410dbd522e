import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { REPO, type Manifest } from './helm.js';

// Validation of rendered manifests against the Kubernetes API of one version
// (kubernetes-types 1.30.0: every API object's type, generated from
// Kubernetes 1.30's OpenAPI schema). Each manifest becomes an object literal
// typed as its kind (`const m3: apps.Deployment = {...}`) in one TypeScript
// program, and the compiler's diagnostics are the findings: a field the API
// does not have (excess property check, strict as kubeconform -strict is), a
// required field missing, a value of the wrong type (a string where the
// API has an integer, a number where a Quantity string goes), an apiVersion
// or kind the version does not serve. What TypeScript's types cannot say is
// checked by semanticErrors: names, ports, and references inside a pod.

const TYPES_DIR = join(REPO, 'node_modules', 'kubernetes-types');

/** kubernetes-types' module for an apiVersion: `apps/v1` -> apps/v1, `v1` -> core/v1, `policy/v1` -> policy/v1. */
export function typesModule(apiVersion: string): string | undefined {
  const m = /^(?:([a-z0-9.-]+)\/)?(v[0-9]+(?:(?:alpha|beta)[0-9]+)?)$/.exec(apiVersion);
  if (!m) return undefined;
  const group = m[1] === undefined ? 'core' : (m[1].replace(/\.k8s\.io$/, '').split('.')[0] ?? '');
  return `${group}/${m[2]}`;
}

export interface Finding {
  manifest: string;
  message: string;
}

function label(m: Manifest): string {
  return `${m.object.kind}/${m.object.metadata?.name} (${m.source})`;
}

/** The API-schema findings of these manifests (none: every one is valid for Kubernetes 1.30). */
export function schemaErrors(manifests: readonly Manifest[]): Finding[] {
  const findings: Finding[] = [];
  const lines: string[] = [];
  const owner: Array<number | undefined> = [];
  const imports = new Map<string, string>();
  const push = (text: string, i?: number) => {
    for (const l of text.split('\n')) {
      lines.push(l);
      owner.push(i);
    }
  };
  manifests.forEach((m, i) => {
    const mod = typesModule(String(m.object.apiVersion));
    const kind = String(m.object.kind);
    if (!mod || !existsSync(join(TYPES_DIR, `${mod}.d.ts`)) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
      findings.push({ manifest: label(m), message: `no ${m.object.apiVersion} ${kind} in Kubernetes 1.30` });
      return;
    }
    const alias = imports.get(mod) ?? `t${imports.size}`;
    imports.set(mod, alias);
    push(`export const m${i}: ${alias}.${kind} = ${JSON.stringify(m.object, null, 2)};`, i);
  });
  const header = [...imports].map(([mod, alias]) => `import type * as ${alias} from 'kubernetes-types/${mod}';`);
  const source = [...header, ...lines].join('\n');
  const offset = header.length;
  const file = join(REPO, 'node_modules', '.cache', 'paas-chart-manifests.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: [],
    lib: ['lib.es2022.d.ts'],
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => (f === file ? source : readFile(f));
  host.fileExists = (f) => f === file || ts.sys.fileExists(f);
  host.getSourceFile = (f, lang, onError, create) =>
    f === file ? ts.createSourceFile(f, source, lang, true) : getSourceFile(f, lang, onError, create);
  const program = ts.createProgram([file], options, host);
  for (const d of [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()]) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file?.fileName !== file || d.start === undefined) {
      findings.push({ manifest: '(validator)', message: text });
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const i = line >= offset ? owner[line - offset] : undefined;
    const m = i === undefined ? undefined : manifests[i];
    const at = lines[line - offset]?.trim() ?? '';
    findings.push({ manifest: m ? label(m) : '(imports)', message: `${text}\n    at: ${at}` });
  }
  return findings;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

interface Container {
  name: string;
  env?: Array<{ name: string }>;
  ports?: Array<{ name?: string; containerPort: number; hostPort?: number }>;
  volumeMounts?: Array<{ name: string }>;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<{ name: string }>;
}

/** A workload's pod spec, or undefined for a kind with none. */
export function podSpecOf(m: Manifest): PodSpec | undefined {
  const spec = m.object.spec as { template?: { spec?: PodSpec } } | undefined;
  return spec?.template?.spec;
}

/**
 * What the API server would refuse beyond the types: object names (DNS-1123; a Service's a label), label values,
 * ports in range, names unique within a pod (containers, ports, env, volumes), every volumeMount's volume present,
 * a workload's selector matching its pod template's labels. Pure.
 */
export function semanticErrors(manifests: readonly Manifest[]): Finding[] {
  const out: Finding[] = [];
  const bad = (m: Manifest, message: string) => out.push({ manifest: label(m), message });
  const seen = new Set<string>();
  for (const m of manifests) {
    const { kind, metadata } = m.object;
    const key = `${kind}/${metadata.name}`;
    if (seen.has(key)) bad(m, 'rendered twice');
    seen.add(key);
    const nameRule = kind === 'Service' ? DNS_LABEL : DNS_SUBDOMAIN;
    if (!nameRule.test(metadata.name) || metadata.name.length > (kind === 'Service' ? 63 : 253))
      bad(m, `name ${JSON.stringify(metadata.name)} is not a DNS-1123 ${kind === 'Service' ? 'label' : 'subdomain'}`);
    const labels = (metadata as { labels?: Record<string, string> }).labels ?? {};
    for (const [k, v] of Object.entries(labels))
      if (v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v)) bad(m, `label ${k}=${v} is invalid`);
    const pod = podSpecOf(m);
    if (!pod) continue;
    const selector = (m.object.spec as { selector?: { matchLabels?: Record<string, string> } }).selector;
    const podLabels =
      (m.object.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template?.metadata?.labels ??
      {};
    for (const [k, v] of Object.entries(selector?.matchLabels ?? {}))
      if (podLabels[k] !== v) bad(m, `selector ${k}=${v} does not match the pod template's labels`);
    const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
    if (volumes.size !== (pod.volumes ?? []).length) bad(m, 'two volumes have one name');
    const claims = (m.object.spec as { volumeClaimTemplates?: Array<{ metadata: { name: string } }> })
      .volumeClaimTemplates;
    for (const c of claims ?? []) volumes.add(c.metadata.name);
    const all = [...pod.containers, ...(pod.initContainers ?? [])];
    if (new Set(all.map((c) => c.name)).size !== all.length) bad(m, 'two containers have one name');
    for (const c of all) {
      const envNames = (c.env ?? []).map((e) => e.name);
      if (new Set(envNames).size !== envNames.length) bad(m, `container ${c.name} sets an env var twice`);
      const portNames = (c.ports ?? []).flatMap((p) => (p.name ? [p.name] : []));
      if (new Set(portNames).size !== portNames.length) bad(m, `container ${c.name} names two ports alike`);
      for (const p of c.ports ?? []) {
        for (const n of [p.containerPort, p.hostPort])
          if (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= 65535))
            bad(m, `container ${c.name}: port ${n} is out of range`);
        if (p.name && (p.name.length > 15 || !DNS_LABEL.test(p.name)))
          bad(m, `container ${c.name}: port name ${p.name} is invalid`);
      }
      for (const vm of c.volumeMounts ?? [])
        if (!volumes.has(vm.name)) bad(m, `container ${c.name} mounts volume ${vm.name}, which the pod does not have`);
    }
  }
  return out;
}

/** Both kinds of finding, as one readable text per finding. */
export function validate(manifests: readonly Manifest[]): string[] {
  return [...schemaErrors(manifests), ...semanticErrors(manifests)].map((f) => `${f.manifest}: ${f.message}`);
}
