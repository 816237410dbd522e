import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART, HELM_VERSION, helm, render, VALUE_SETS, type Manifest } from './helm.js';
import { podSpecOf, validate } from './k8s.js';

// The chart as `helm lint` and `helm template` (the pinned helm) see it, for
// the default values and for values-ha.yaml: every rendered manifest valid
// for Kubernetes 1.30 (k8s.ts), and the platform's shape as the issue asks
// for it (etcd of 3, 2 controllers, DaemonSets on labelled nodes, PDBs,
// NetworkPolicies, the secrets every pod names).

const HA = join(CHART, 'values-ha.yaml');

function find(ms: Manifest[], kind: string, suffix: string): Manifest {
  const m = ms.find((x) => x.object.kind === kind && x.object.metadata.name.endsWith(`-${suffix}`));
  if (!m) throw new Error(`no ${kind} *-${suffix} in ${ms.map((x) => `${x.object.kind}/${x.object.metadata.name}`)}`);
  return m;
}
const spec = (m: Manifest) => m.object.spec as Record<string, unknown> & { replicas?: number };
const pod = (m: Manifest) => {
  const p = podSpecOf(m);
  if (!p) throw new Error(`${m.object.kind} has no pod`);
  return p as ReturnType<typeof podSpecOf> & Record<string, unknown>;
};
const env = (m: Manifest, container = 0) =>
  new Map(
    (pod(m).containers[container] as { env?: Array<{ name: string; value?: string; valueFrom?: unknown }> }).env?.map(
      (e) => [e.name, e],
    ) ?? [],
  );

describe('the pinned helm', () => {
  it(`is ${HELM_VERSION}`, { timeout: 60_000 }, () => {
    const r = helm(['version', '--short']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`^${HELM_VERSION.replace(/\./g, '\\.')}\\+`));
  });
});

describe.each(VALUE_SETS)('charts/paas with %s', (_name, valuesFiles) => {
  let ms: Manifest[];
  beforeAll(() => {
    ms = render({ valuesFiles });
  }, 60_000);

  it('passes helm lint --strict', () => {
    const r = helm(['lint', '--strict', CHART, ...valuesFiles.flatMap((f) => ['-f', f])]);
    expect(r.stderr + r.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(r.status).toBe(0);
  });

  it('renders only manifests valid for the Kubernetes 1.30 API (unknown fields fail)', { timeout: 30_000 }, () => {
    expect(ms.length).toBeGreaterThan(20);
    expect(validate(ms)).toEqual([]);
  });

  it('runs etcd as a StatefulSet of 3 or more behind a headless Service, and gives every service all members', () => {
    const etcd = find(ms, 'StatefulSet', 'etcd');
    expect(spec(etcd).replicas).toBeGreaterThanOrEqual(3);
    expect(spec(etcd).replicas! % 2).toBe(1);
    const headless = find(ms, 'Service', 'etcd-headless');
    expect(spec(headless).clusterIP).toBe('None');
    expect(spec(etcd).serviceName).toBe(headless.object.metadata.name);
    const endpoints = String(env(find(ms, 'Deployment', 'controller')).get('PAAS_ETCD_ENDPOINTS')?.value).split(',');
    expect(endpoints).toHaveLength(spec(etcd).replicas!);
    expect(endpoints[0]).toMatch(/^http:\/\/paas-etcd-0\.paas-etcd-headless\.paas\.svc:2379$/);
  });

  it('runs 2 or more controllers, builders and schedulers, each with requests, limits and probes', () => {
    for (const c of ['controller', 'builder', 'scheduler']) {
      const d = find(ms, 'Deployment', c);
      expect(spec(d).replicas, c).toBeGreaterThanOrEqual(2);
    }
    for (const m of ms.filter((x) => podSpecOf(x))) {
      for (const c of pod(m).containers as unknown as Array<Record<string, { requests?: object; limits?: object }>>) {
        const r = c.resources;
        expect(r?.requests, `${m.object.metadata.name} requests`).toMatchObject({ cpu: expect.any(String) });
        expect(r?.limits, `${m.object.metadata.name} limits`).toMatchObject({ memory: expect.any(String) });
        expect(c.livenessProbe, `${m.object.metadata.name} liveness`).toBeDefined();
        expect(c.readinessProbe, `${m.object.metadata.name} readiness`).toBeDefined();
      }
    }
    const api = pod(find(ms, 'Deployment', 'controller')).containers[0] as { readinessProbe?: unknown };
    expect(api.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'api' } });
  });

  it('runs the schedulers with an election (a name each) and the builders with the node Docker socket', () => {
    expect(env(find(ms, 'Deployment', 'scheduler')).get('PAAS_SCHEDULER_NAME')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.name' },
    });
    const builder = find(ms, 'Deployment', 'builder');
    expect(pod(builder).volumes).toContainEqual({
      name: 'docker',
      hostPath: { path: '/var/run/docker.sock', type: 'Socket' },
    });
    const ssh = find(ms, 'Service', 'builder');
    expect(spec(ssh).ports).toEqual([expect.objectContaining({ port: 22, targetPort: 'ssh' })]);
  });

  it('runs the routers as a DaemonSet on the edge nodes with hostPorts 80 and 443', () => {
    const router = find(ms, 'DaemonSet', 'router');
    expect(pod(router).nodeSelector).toEqual({ 'paas/edge': 'true' });
    const ports = (pod(router).containers[0] as { ports: Array<{ hostPort?: number }> }).ports;
    expect(ports.map((p) => p.hostPort).filter(Boolean)).toEqual([80, 443]);
  });

  it("runs the agents as a DaemonSet on the dyno nodes, on the node's engine, named and addressed as the node", () => {
    const agent = find(ms, 'DaemonSet', 'agent');
    expect(pod(agent).nodeSelector).toEqual({ 'paas/dynos': 'true' });
    expect(pod(agent).volumes).toContainEqual({
      name: 'docker',
      hostPath: { path: '/var/run/docker.sock', type: 'Socket' },
    });
    expect(env(agent).get('PAAS_HOST_ID')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(env(agent).get('PAAS_HOST_ADDRESS')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'status.hostIP' } });
    expect(pod(agent).hostNetwork).toBeUndefined();
  });

  it('has a PodDisruptionBudget selecting each replicated component', () => {
    for (const c of ['etcd', 'controller', 'builder', 'scheduler', 'dashboard']) {
      const pdb = find(ms, 'PodDisruptionBudget', c);
      const workload = ms.find(
        (m) => podSpecOf(m) && m.object.metadata.name === pdb.object.metadata.name && m.object.kind !== 'Service',
      );
      expect(workload, c).toBeDefined();
      const sel = (spec(pdb).selector as { matchLabels: object }).matchLabels;
      expect((spec(workload!).selector as { matchLabels: object }).matchLabels).toEqual(sel);
    }
  });

  it('lets only the platform pods that carry the client labels reach etcd and the API', () => {
    const labelled = (label: string) =>
      ms
        .filter((m) => podSpecOf(m))
        .filter((m) => (spec(m).template as { metadata: { labels: Record<string, string> } }).metadata.labels[label])
        .map((m) => m.object.metadata.name.replace(/^paas-/, ''))
        .sort();
    expect(labelled('paas/etcd-client')).toEqual(['agent', 'builder', 'controller', 'router', 'scheduler']);
    expect(labelled('paas/api-client')).toEqual(['agent', 'builder', 'dashboard', 'router']);

    const etcd = find(ms, 'NetworkPolicy', 'etcd');
    const ingress = spec(etcd).ingress as Array<{ from?: Array<Record<string, unknown>> }>;
    expect(spec(etcd).policyTypes).toEqual(['Ingress']);
    // Every rule names its sources, and only by pod labels: no ipBlock, no namespace, no empty `from` (all).
    for (const rule of ingress) {
      expect(rule.from?.length).toBeGreaterThan(0);
      for (const peer of rule.from ?? []) expect(Object.keys(peer)).toEqual(['podSelector']);
    }
    const api = find(ms, 'NetworkPolicy', 'controller');
    const apiRules = spec(api).ingress as Array<{ from?: unknown[]; ports: Array<{ port: number }> }>;
    const toApi = apiRules.filter((r) => r.ports.some((p) => p.port === 8700));
    expect(toApi).toHaveLength(1);
    expect(toApi[0]?.from?.[0]).toEqual({ podSelector: { matchLabels: { 'paas/api-client': 'true' } } });
    for (const r of apiRules) expect(r.from?.length, 'an API rule without from admits everyone').toBeGreaterThan(0);
  });

  it('names only secrets and keys it renders, and no ServiceAccount it does not make', () => {
    const secrets = new Map(
      ms
        .filter((m) => m.object.kind === 'Secret')
        .map((m) => [m.object.metadata.name, Object.keys(m.object.data as object)]),
    );
    let refs = 0;
    for (const m of ms.filter((x) => podSpecOf(x))) {
      const p = pod(m);
      for (const c of [...p.containers, ...(p.initContainers ?? [])] as Array<{
        env?: Array<{ valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
      }>)
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (!ref) continue;
          refs++;
          expect(secrets.get(ref.name), `${m.object.metadata.name}: ${ref.name}`).toContain(ref.key);
        }
      for (const v of (p.volumes ?? []) as Array<{ secret?: { secretName: string; items?: Array<{ key: string }> } }>)
        if (v.secret) {
          refs++;
          expect(secrets.has(v.secret.secretName), v.secret.secretName).toBe(true);
          for (const i of v.secret.items ?? []) expect(secrets.get(v.secret.secretName)).toContain(i.key);
        }
      expect(ms.some((x) => x.object.kind === 'ServiceAccount' && x.object.metadata.name === p.serviceAccountName)).toBe(
        true,
      );
    }
    // The internal token in 4 services, the dashboard secret, the SSH host key and the TLS files.
    expect(refs).toBe(7);
  });
});

describe('values-ha.yaml', () => {
  it('spreads the control plane: 5 etcd members and 3 controllers, one per node, off the dyno nodes', () => {
    const ms = render({ valuesFiles: [HA] });
    expect(spec(find(ms, 'StatefulSet', 'etcd')).replicas).toBe(5);
    const controller = find(ms, 'Deployment', 'controller');
    expect(spec(controller).replicas).toBe(3);
    const affinity = pod(controller).affinity as Record<string, Record<string, unknown>>;
    expect(affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(JSON.stringify(affinity.nodeAffinity)).toContain('"NotIn"');
    expect(spec(find(ms, 'PodDisruptionBudget', 'controller')).minAvailable).toBe(2);
    expect(env(find(ms, 'DaemonSet', 'router')).get('PAAS_ROUTER_DASHBOARD_UPSTREAM')?.value).toBe('10.96.0.202:8702');
  });
});
