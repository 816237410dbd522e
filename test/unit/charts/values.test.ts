import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART, render, template, type Manifest } from './helm.js';
import { validate } from './k8s.js';

// What values do to the chart: values.schema.json refuses bad ones before
// anything renders, with a message naming the value; the switches (external
// etcd, no dashboard, your own secrets, no NetworkPolicies) render what
// they say and still validate; README.md documents every value.

const names = (ms: Manifest[]) => ms.map((m) => `${m.object.kind}/${m.object.metadata.name}`);
const envOf = (ms: Manifest[], kind: string, name: string, variable: string) => {
  const m = ms.find((x) => x.object.kind === kind && x.object.metadata.name === name);
  const c = (m?.object.spec as { template: { spec: { containers: Array<{ env: Array<{ name: string }> }> } } })
    .template.spec.containers[0];
  return c?.env.find((e) => e.name === variable) as { value?: string; valueFrom?: unknown } | undefined;
};

describe('values.schema.json', () => {
  it.each([
    ['controller.replicas=0', /controller\.replicas: Must be greater than or equal to 1/],
    ['builder.replicas=-1', /builder\.replicas: Must be greater than or equal to 1/],
    ['etcd.replicas=2', /etcd\.replicas: etcd\.replicas must be one of the following: 1, 3, 5, 7/],
    ['controler.replicas=2', /Additional property controler is not allowed/],
    ['controller.replica=2', /controller: Additional property replica is not allowed/],
    ['domain=Not A Domain', /domain: Does not match pattern/],
    ['cluster=Paas_1', /cluster: Does not match pattern/],
    ['secrets.internalToken=short', /secrets\.internalToken/],
    ['scheduler.policy=random', /scheduler\.policy: scheduler\.policy must be one of the following: "balanced", "least-containers"/],
    ['scheduler.electionTtl=1', /scheduler\.electionTtl: Must be greater than or equal to 2/],
    ['router.nginxWorkers=100', /router\.nginxWorkers: Must be less than or equal to 64/],
    ['router.nginxWorkers=many', /router\.nginxWorkers: Does not match pattern/],
    ['builder.antiAffinity=always', /builder\.antiAffinity: builder\.antiAffinity must be one of the following/],
    ['httpPort=70000', /httpPort: Must be less than or equal to 65535/],
    ['controller.resources=null', /controller: resources is required/],
  ])('refuses %s, naming it', (set, message) => {
    const r = template({ set: [set] });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('refuses an external etcd with no endpoints, saying what to set', () => {
    const r = template({ set: ['etcd.enabled=false'] });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/etcd\.external\.endpoints must list the external etcd's client URLs/);
  });
});

describe('switches', () => {
  it('uses an external etcd by value: no StatefulSet, its endpoints to every service', () => {
    const ms = render({
      set: ['etcd.enabled=false', 'etcd.external.endpoints={http://10.0.0.1:2379,http://10.0.0.2:2379}'],
    });
    expect(names(ms).filter((n) => n.includes('etcd'))).toEqual([]);
    for (const [kind, name] of [
      ['Deployment', 'paas-controller'],
      ['DaemonSet', 'paas-agent'],
    ] as const)
      expect(envOf(ms, kind, name, 'PAAS_ETCD_ENDPOINTS')?.value).toBe('http://10.0.0.1:2379,http://10.0.0.2:2379');
    expect(validate(ms)).toEqual([]);
  });

  it('leaves the dashboard out, and the routers then serve none', () => {
    const ms = render({ set: ['dashboard.enabled=false'] });
    expect(names(ms).filter((n) => n.includes('dashboard'))).toEqual([]);
    expect(envOf(ms, 'DaemonSet', 'paas-router', 'PAAS_ROUTER_DASHBOARD_UPSTREAM')?.value).toBe('off');
    expect(validate(ms)).toEqual([]);
  });

  it('takes your own secrets: renders none and names yours', () => {
    const ms = render({ set: ['secrets.existingSecret=mine', 'tls.existingSecret=my-tls'] });
    expect(ms.filter((m) => m.object.kind === 'Secret')).toEqual([]);
    expect(envOf(ms, 'Deployment', 'paas-controller', 'PAAS_INTERNAL_TOKEN')?.valueFrom).toEqual({
      secretKeyRef: { name: 'mine', key: 'internal-token' },
    });
    expect(JSON.stringify(ms)).toContain('"secretName":"my-tls"');
  });

  it('takes a given internal token as it is', () => {
    const ms = render({ set: ['secrets.internalToken=0123456789abcdef-given'] });
    const s = ms.find((m) => m.object.kind === 'Secret' && m.object.metadata.name === 'paas-secrets');
    const data = s?.object.data as Record<string, string>;
    expect(Buffer.from(data['internal-token'] ?? '', 'base64').toString()).toBe('0123456789abcdef-given');
  });

  it('renders no NetworkPolicy when told, and admits the peers of apiFrom and metricsFrom when given', () => {
    expect(render({ set: ['networkPolicy.enabled=false'] }).filter((m) => m.object.kind === 'NetworkPolicy')).toEqual(
      [],
    );
    const ms = render({
      set: [
        'networkPolicy.apiFrom[0].namespaceSelector.matchLabels.name=ingress',
        'networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.name=monitoring',
      ],
    });
    const api = ms.find((m) => m.object.kind === 'NetworkPolicy' && m.object.metadata.name === 'paas-controller');
    const text = JSON.stringify(api);
    expect(text).toContain('"name":"ingress"');
    expect(text).toContain('"name":"monitoring"');
    expect(validate(ms)).toEqual([]);
  });
});

/** The dotted paths of values.yaml's leaves (maps an operator fills in, like nodeSelector, count as one). Pure. */
export function valuePaths(values: unknown, prefix = ''): string[] {
  const whole = new Set(['resources', 'nodeSelector', 'tags']);
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return [prefix];
  const entries = Object.entries(values as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return whole.has(k) ? [path] : valuePaths(v, path);
  });
}

describe('README.md', () => {
  it('documents every value of values.yaml in its table', () => {
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as unknown;
    const readme = readFileSync(join(CHART, 'README.md'), 'utf8');
    const rows = new Set([...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
    const paths = valuePaths(values);
    expect(paths.length).toBeGreaterThan(100);
    expect(paths.filter((p) => !rows.has(p))).toEqual([]);
    // And no row for a value that is not there.
    expect([...rows].filter((r) => !paths.includes(r as string))).toEqual([]);
  });
});
