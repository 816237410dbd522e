import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chartCopy, helm, parseManifests, render, template } from './helm.js';
import { schemaErrors, semanticErrors, typesModule, validate } from './k8s.js';

// The checks themselves can fail: the validator refuses what the Kubernetes
// 1.30 API refuses, and a template broken on purpose fails the chart's tests.

const deployment = (container: string, extra = '') => `---
# Source: paas/templates/x.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
  labels: { app: x }
spec:
  replicas: 2
  selector: { matchLabels: { app: x } }
  template:
    metadata: { labels: { app: x } }
    spec:
      containers:
${container}
${extra}`;
const ok = `        - name: c
          image: i
          env: [{ name: A, value: "1" }]
          resources: { limits: { cpu: "1", memory: 1Gi } }`;

describe('the Kubernetes 1.30 validator', () => {
  it('maps apiVersions to the API types', () => {
    expect(typesModule('v1')).toBe('core/v1');
    expect(typesModule('apps/v1')).toBe('apps/v1');
    expect(typesModule('networking.k8s.io/v1')).toBe('networking/v1');
    expect(typesModule('policy/v1')).toBe('policy/v1');
    expect(typesModule('not a version')).toBeUndefined();
  });

  it('takes a valid Deployment', () => {
    expect(validate(parseManifests(deployment(ok)))).toEqual([]);
  });

  it.each([
    ['an unknown field', ok.replace('image: i', 'image: i\n          imagee: j'), /'"imagee"' does not exist in type 'Container'/],
    ['a string for an integer', ok.replace('image: i', 'image: i\n          ports: [{ containerPort: "80" }]'), /not assignable to type 'number'/],
    ['a number for a Quantity', ok.replace('memory: 1Gi', 'memory: 1024'), /not assignable to type 'string'/],
    ['a missing required field', ok.replace('- name: c\n          image: i', '- image: i'), /'name' is missing/],
    ['a value of the wrong shape', ok.replace('env: [{ name: A, value: "1" }]', 'env: { A: "1" }'), /EnvVar\[\]/],
  ])('refuses %s', (_what, container, message) => {
    const errors = schemaErrors(parseManifests(deployment(container)));
    expect(errors.map((e) => e.message).join('\n')).toMatch(message);
    expect(errors[0]?.manifest).toBe('Deployment/x (paas/templates/x.yaml)');
  });

  it('refuses an API Kubernetes 1.30 does not serve, and a kind it does not have', () => {
    const old = parseManifests(deployment(ok).replace('apps/v1', 'extensions/v1beta1'));
    expect(schemaErrors(old).map((e) => e.message)).toEqual(['no extensions/v1beta1 Deployment in Kubernetes 1.30']);
    const kind = parseManifests(deployment(ok).replace('kind: Deployment', 'kind: Deploymnt'));
    expect(schemaErrors(kind).map((e) => e.message).join('\n')).toMatch(/has no exported member named 'Deploymnt'/);
  });

  it('refuses what only the API server checks: a mount of no volume, an env var set twice, a selector of no pod', () => {
    const mount = ok + '\n          volumeMounts: [{ name: data, mountPath: /d }]';
    expect(semanticErrors(parseManifests(deployment(mount))).map((e) => e.message)).toEqual([
      'container c mounts volume data, which the pod does not have',
    ]);
    const twice = ok.replace('env: [{ name: A, value: "1" }]', 'env: [{ name: A, value: "1" }, { name: A, value: "2" }]');
    expect(semanticErrors(parseManifests(deployment(twice))).map((e) => e.message)).toEqual([
      'container c sets an env var twice',
    ]);
    const selector = deployment(ok).replace('selector: { matchLabels: { app: x } }', 'selector: { matchLabels: { app: y } }');
    expect(semanticErrors(parseManifests(selector)).map((e) => e.message)).toEqual([
      "selector app=y does not match the pod template's labels",
    ]);
    const name = deployment(ok).replace('name: x\n', 'name: X_x\n');
    expect(semanticErrors(parseManifests(name)).map((e) => e.message)).toEqual([
      'name "X_x" is not a DNS-1123 subdomain',
    ]);
  });
});

describe('a broken chart', () => {
  it('with an unknown field in a template fails validation, naming the template', () => {
    const chart = chartCopy();
    const file = join(chart, 'templates', 'controller.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('imagePullPolicy:', 'imagePullPolicyy:'));
    const errors = validate(render({ chart }));
    expect(errors.join('\n')).toMatch(
      /Deployment\/paas-controller \(paas\/templates\/controller\.yaml\): .*'"imagePullPolicyy"' does not exist/,
    );
  });

  it('with a wrong type from a template fails validation', () => {
    const chart = chartCopy();
    const file = join(chart, 'templates', 'router.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('hostPort: {{ .Values.httpPort }}', 'hostPort: "{{ .Values.httpPort }}"'));
    expect(validate(render({ chart })).join('\n')).toMatch(/DaemonSet\/paas-router .*not assignable to type 'number'/);
  });

  it('with a template that is not YAML fails helm lint and helm template', () => {
    const chart = chartCopy();
    const file = join(chart, 'templates', 'scheduler.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  replicas: {{ $c.replicas }}', '    replicas: {{ $c.replicas }}'));
    expect(helm(['lint', chart]).status).not.toBe(0);
    const r = template({ chart });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/scheduler\.yaml/);
  });
});
