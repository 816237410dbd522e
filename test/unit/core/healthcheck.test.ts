import { describe, expect, it } from 'vitest';
import { checkHealthCheck, healthPathProblem, parseAppJsonHealthCheck } from '../../../services/core/healthcheck.js';

const appJson = (healthchecks: unknown) => JSON.stringify({ name: 'shop', healthchecks });

describe('parseAppJsonHealthCheck', () => {
  it("reads the web startup check in Dokku's format", () => {
    expect(
      parseAppJsonHealthCheck(
        appJson({ web: [{ type: 'startup', name: 'web check', path: '/health', timeout: 3, attempts: 5, wait: 2 }] }),
      ),
    ).toEqual({
      ok: true,
      value: { path: '/health', timeoutS: 3, attempts: 5 },
      warnings: [],
    });
    expect(parseAppJsonHealthCheck(appJson({ web: [{ path: '/up?full=1' }] }))).toEqual({
      ok: true,
      value: { path: '/up?full=1' },
      warnings: [],
    });
  });

  it('has no check without app.json, without healthchecks, or without a web check', () => {
    expect(parseAppJsonHealthCheck(undefined)).toEqual({ ok: true, value: undefined, warnings: [] });
    expect(parseAppJsonHealthCheck('{"name": "shop", "scripts": {}}')).toEqual({
      ok: true,
      value: undefined,
      warnings: [],
    });
    expect(parseAppJsonHealthCheck(appJson({}))).toEqual({ ok: true, value: undefined, warnings: [] });
  });

  it('ignores what it does not support, with a warning', () => {
    const r = parseAppJsonHealthCheck(
      appJson({
        worker: [{ command: ['true'] }],
        web: [{ type: 'liveness', path: '/live' }, { type: 'startup', command: ['curl', 'x'] }, { path: '/ready' }],
      }),
    );
    expect(r.ok && r.value).toEqual({ path: '/ready' });
    expect(r.ok && r.warnings).toEqual([
      'app.json: health checks of process type "worker" are not supported; ignored',
      'app.json: healthchecks.web[0] is a liveness check; only startup checks are supported, ignored',
      'app.json: healthchecks.web[1] has no path; only HTTP checks are supported, ignored (the port is checked)',
    ]);
  });

  it.each([
    ['{"healthchecks": ', /^app\.json: not valid JSON/],
    ['[1]', /^app\.json: must be a JSON object/],
    [appJson([]), /^app\.json: healthchecks must be an object/],
    [appJson({ web: { path: '/x' } }), /^app\.json: healthchecks\.web must be a list/],
    [appJson({ web: ['/x'] }), /^app\.json: healthchecks\.web\[0\] must be an object/],
    [appJson({ web: [{ type: 3, path: '/x' }] }), /type must be a string/],
    [appJson({ web: [{ path: 'health' }] }), /^app\.json: healthchecks\.web\[0\]\.path must start with "\/"/],
    [appJson({ web: [{ path: 42 }] }), /path must be a string/],
    [appJson({ web: [{ path: '/a b' }] }), /spaces or control characters/],
    [appJson({ web: [{ path: '/a\nHost: evil' }] }), /spaces or control characters/],
    [appJson({ web: [{ path: `/${'a'.repeat(1024)}` }] }), /longer than 1024 characters/],
    [appJson({ web: [{ path: '/x', timeout: 0 }] }), /timeout must be an integer from 1 to 120/],
    [appJson({ web: [{ path: '/x', timeout: '5' }] }), /timeout must be an integer/],
    [appJson({ web: [{ path: '/x', attempts: 1.5 }] }), /attempts must be an integer from 1 to 100/],
    [appJson({ web: [{ path: '/x' }, { path: '/y' }] }), /more than one startup check/],
  ])('fails the build for %s, naming app.json', (text, message) => {
    const r = parseAppJsonHealthCheck(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(message);
    expect(!r.ok && r.message).toMatch(/^app\.json: /);
  });
});

describe('healthPathProblem and checkHealthCheck', () => {
  it('accepts paths of up to 1024 characters', () => {
    expect(healthPathProblem('/')).toBeUndefined();
    expect(healthPathProblem(`/${'a'.repeat(1023)}`)).toBeUndefined();
    expect(healthPathProblem(`/${'a'.repeat(1024)}`)).toMatch(/longer/);
    expect(healthPathProblem('/\u007f')).toMatch(/control/);
  });

  it('validates the record the controller receives', () => {
    expect(checkHealthCheck({ path: '/h', timeoutS: 2, attempts: 3 })).toEqual({
      path: '/h',
      timeoutS: 2,
      attempts: 3,
    });
    expect(checkHealthCheck({ path: '/h', extra: 1 })).toEqual({ path: '/h' });
    expect(checkHealthCheck({ path: 'h' })).toMatch(/^healthcheck\.path must start/);
    expect(checkHealthCheck({ path: '/h', attempts: 0 })).toMatch(/^healthcheck\.attempts/);
    expect(checkHealthCheck(null)).toMatch(/must be an object/);
  });
});
