import { describe, expect, it } from 'vitest';
import { parseReleaseYaml, resolveProcessTypes } from '../../../../services/builder/build/processtypes.js';

const release = '---\ndefault_process_types:\n  web: npm start\n  worker: node worker.js\n';

describe('parseReleaseYaml', () => {
  it('reads default_process_types', () => {
    expect(parseReleaseYaml(release)).toEqual({ ok: true, value: { web: 'npm start', worker: 'node worker.js' } });
  });

  it('accepts an empty document or an empty mapping', () => {
    expect(parseReleaseYaml('')).toEqual({ ok: true, value: {} });
    expect(parseReleaseYaml('---\ndefault_process_types: {}\n')).toEqual({ ok: true, value: {} });
    expect(parseReleaseYaml('---\naddons: []\n')).toEqual({ ok: true, value: {} });
  });

  it('refuses invalid YAML, lists, bad types and empty commands', () => {
    for (const text of [
      'default_process_types: [web]',
      '- a\n- b',
      'default_process_types:\n  "we b": x',
      'default_process_types:\n  web: ""',
      'a: [',
    ]) {
      expect(parseReleaseYaml(text).ok, text).toBe(false);
    }
  });
});

describe('resolveProcessTypes', () => {
  it('uses the defaults without a Procfile', () => {
    expect(resolveProcessTypes({ releaseYaml: release, procfile: undefined })).toEqual({
      ok: true,
      value: { web: 'npm start', worker: 'node worker.js' },
    });
  });

  it('lets the Procfile override and add types', () => {
    expect(
      resolveProcessTypes({ releaseYaml: release, procfile: 'web: node server.js\nclock: node clock.js\n' }),
    ).toEqual({
      ok: true,
      value: { web: 'node server.js', worker: 'node worker.js', clock: 'node clock.js' },
    });
  });

  it('fails with the line numbers of a bad Procfile', () => {
    const r = resolveProcessTypes({ releaseYaml: release, procfile: 'web: npm start\n\nnot a process line\n' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^Procfile: line 3: /);
  });
});
