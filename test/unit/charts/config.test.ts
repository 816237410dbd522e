import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig as agentConfig } from '../../../services/agent/config.js';
import { loadConfig as builderConfig } from '../../../services/builder/config.js';
import { loadConfig as controllerConfig } from '../../../services/controller/config.js';
import { loadConfig as dashboardConfig } from '../../../services/dashboard/config.js';
import { LeafIssuer } from '../../../services/router/leaves.js';
import { loadConfig as routerConfig } from '../../../services/router/config.js';
import { loadConfig as schedulerConfig } from '../../../services/scheduler/config.js';
import { REPO, render, VALUE_SETS, type Manifest } from './helm.js';
import { podSpecOf } from './k8s.js';

// The environment the chart gives each service is one its own loadConfig
// takes (the real config.ts, as the pod would run it), every PAAS_* name it
// sets is one the code reads, and the secrets it generates are ones the
// router and the builder can use.

/** The names the HA contract adds (the controllers' peer URL), not yet read by the code of this branch. */
const CONTRACT = new Set(['PAAS_CONTROLLER_PEER_URL']);

const POD = { 'metadata.name': 'paas-x-0', 'spec.nodeName': 'node-1', 'status.hostIP': '10.0.0.5', 'status.podIP': '10.1.0.7' };

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: keyof typeof POD }; secretKeyRef?: { name: string; key: string } };
}

/** A container's environment as the kubelet makes it: fields, secrets, $(VAR) references. */
function environment(ms: Manifest[], m: Manifest): Record<string, string> {
  const secrets = new Map(ms.filter((x) => x.object.kind === 'Secret').map((x) => [x.object.metadata.name, x.object.data as Record<string, string>]));
  const container = podSpecOf(m)?.containers[0] as { env?: EnvVar[] } | undefined;
  const out: Record<string, string> = {};
  for (const e of container?.env ?? []) {
    let v: string;
    if (e.value !== undefined) v = e.value.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (all, n: string) => out[n] ?? all);
    else if (e.valueFrom?.fieldRef) v = POD[e.valueFrom.fieldRef.fieldPath];
    else if (e.valueFrom?.secretKeyRef) {
      const data = secrets.get(e.valueFrom.secretKeyRef.name)?.[e.valueFrom.secretKeyRef.key];
      if (data === undefined) throw new Error(`${e.name}: no secret ${JSON.stringify(e.valueFrom.secretKeyRef)}`);
      v = Buffer.from(data, 'base64').toString();
    } else throw new Error(`${e.name}: neither value nor valueFrom`);
    out[e.name] = v;
  }
  return out;
}

function workload(ms: Manifest[], name: string): Manifest {
  const m = ms.find((x) => podSpecOf(x) && x.object.metadata.name === `paas-${name}`);
  if (!m) throw new Error(`no paas-${name}`);
  return m;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe.each(VALUE_SETS)('the services with the environment the chart gives them (%s)', (_name, valuesFiles) => {
  let ms: Manifest[];
  beforeAll(() => {
    ms = render({ valuesFiles });
  }, 60_000);

  it('each takes its environment, as its loadConfig reads it', () => {
    const controller = controllerConfig(environment(ms, workload(ms, 'controller')));
    expect(controller.apiHost).toBe('0.0.0.0');
    expect(controller.sshHost).toBe('git.apps.example.com');
    expect(controller.sshPort).toBe(22);
    expect(controller.etcdEndpoints.length).toBeGreaterThanOrEqual(3);
    const builder = builderConfig(environment(ms, workload(ms, 'builder')));
    expect(builder.sshListenHost).toBe('0.0.0.0');
    expect(builder.sshPort).toBe(2222);
    expect(builder.buildpacksDir).toBe('/var/lib/paas-builder/buildpacks');
    expect(builder.apiUrl).toBe('http://paas-controller.paas.svc:8700');
    const scheduler = schedulerConfig(environment(ms, workload(ms, 'scheduler')));
    expect(scheduler.name).toBe('paas-x-0');
    const agent = agentConfig(environment(ms, workload(ms, 'agent')));
    expect(agent).toMatchObject({ hostId: 'node-1', hostAddress: '10.0.0.5', tags: { pool: 'shared' } });
    const router = routerConfig(environment(ms, workload(ms, 'router')));
    expect(router).toMatchObject({ httpPort: 80, httpsPort: 443, defaultCert: '/etc/paas/tls/tls.crt' });
    expect(router.ca).toEqual({ certificate: '/etc/paas/tls/ca.crt', key: '/etc/paas/tls/ca.key' });
    const dashboard = dashboardConfig(environment(ms, workload(ms, 'dashboard')));
    expect(dashboard.listenHost).toBe('0.0.0.0');
    for (const c of [controller, builder, agent, router])
      expect(c.metrics).toMatchObject({ host: '0.0.0.0' });
  });

  it('sets only PAAS_* names the code reads', () => {
    const code = sourceFiles(join(REPO, 'services')).map((f) => readFileSync(f, 'utf8')).join('\n');
    const set = new Set(ms.filter((m) => podSpecOf(m)).flatMap((m) => Object.keys(environment(ms, m))));
    const names = [...set].filter((n) => n.startsWith('PAAS_'));
    expect(names.length).toBeGreaterThan(30);
    expect(names.filter((n) => !CONTRACT.has(n) && !new RegExp(`\\b${n}\\b`).test(code))).toEqual([]);
  });
});

describe('the secrets the chart generates', () => {
  it('a CA the routers can issue app certificates from, a fallback certificate it signed, an SSH host key', async () => {
    const ms = render();
    const data = (name: string) =>
      ms.find((m) => m.object.kind === 'Secret' && m.object.metadata.name === name)?.object.data as Record<string, string>;
    const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString();
    const tls = data('paas-tls');
    await expect(LeafIssuer.create(b64(tls['ca.crt']), b64(tls['ca.key']))).resolves.toBeInstanceOf(LeafIssuer);
    const ca = new X509Certificate(b64(tls['ca.crt']));
    const fallback = new X509Certificate(b64(tls['tls.crt']));
    expect(fallback.verify(ca.publicKey)).toBe(true);
    expect(fallback.subjectAltName).toBe('DNS:*.apps.example.com, DNS:apps.example.com');
    const key = ssh2.utils.parseKey(b64(data('paas-secrets')['ssh-host-key']));
    expect(key instanceof Error ? key.message : key.type).toBe('ecdsa-sha2-nistp256');
    expect(b64(data('paas-secrets')['internal-token'])).toMatch(/^[A-Za-z0-9]{48}$/);
  });
});
