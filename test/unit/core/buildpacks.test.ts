import { describe, expect, it } from 'vitest';
import {
  chooseBuildpacks,
  DEFAULT_BUILDPACKS,
  type ChoiceInput,
  entryLabel,
  internalHost,
  parseBuildpackEntry,
  parseBuildpacksFile,
  type EntryOptions,
} from '../../../services/core/buildpacks.js';

const opts: EntryOptions = { builtins: DEFAULT_BUILDPACKS, allowFile: false };

describe('parseBuildpackEntry', () => {
  it('takes ours by name and by the Heroku name', () => {
    expect(parseBuildpackEntry('nodejs', opts)).toEqual({ ok: true, value: { kind: 'builtin', name: 'nodejs' } });
    expect(parseBuildpackEntry(' heroku/nodejs ', opts)).toEqual({
      ok: true,
      value: { kind: 'builtin', name: 'nodejs' },
    });
    expect(parseBuildpackEntry('heroku-community/static', opts)).toEqual({
      ok: true,
      value: { kind: 'builtin', name: 'static' },
    });
  });

  it('tells git URLs (with a ref) from tarballs', () => {
    expect(parseBuildpackEntry('https://github.com/x/bp.git#v1.2', opts)).toEqual({
      ok: true,
      value: { kind: 'git', url: 'https://github.com/x/bp.git', ref: 'v1.2' },
    });
    expect(parseBuildpackEntry('https://github.com/x/bp', opts)).toEqual({
      ok: true,
      value: { kind: 'git', url: 'https://github.com/x/bp' },
    });
    expect(parseBuildpackEntry('http://example.com/bp.tar.gz', opts)).toEqual({
      ok: true,
      value: { kind: 'tarball', url: 'http://example.com/bp.tar.gz' },
    });
    expect(parseBuildpackEntry('https://example.com/bp.TGZ?sig=a&b=c', opts)).toEqual({
      ok: true,
      value: { kind: 'tarball', url: 'https://example.com/bp.TGZ?sig=a&b=c' },
    });
    expect(entryLabel({ kind: 'git', url: 'https://h/bp.git', ref: 'main' })).toBe('https://h/bp.git#main');
  });

  it('allows file:// only when asked', () => {
    expect(parseBuildpackEntry('file:///srv/bp.git', opts)).toMatchObject({
      ok: false,
      message: expect.stringContaining('file:// is off'),
    });
    expect(parseBuildpackEntry('file:///srv/bp.git#main', { ...opts, allowFile: true })).toEqual({
      ok: true,
      value: { kind: 'git', url: 'file:///srv/bp.git', ref: 'main' },
    });
  });

  it.each([
    ['', 'must not be empty'],
    ['ruby', 'Unknown buildpack "ruby": use one of nodejs, static, procfile'],
    ['ssh://git@h/bp.git', 'must use http, https'],
    ['ext::sh -c touch% /tmp/x', 'contains a space'],
    ['https://h/bp.git;id', 'shell character'],
    ['https://h/$(id).git', 'shell character'],
    ['https://h/bp`id`.git', 'shell character'],
    ['https://h/bp.git#-x', 'not a valid git ref'],
    ['https://h/bp.git#a..b', 'not a valid git ref'],
    ['https://h/bp.tgz#v1', 'a tarball takes no #ref'],
    ['https://' + 'a'.repeat(1100), 'at most 1024'],
  ])('refuses %j', (text, message) => {
    const r = parseBuildpackEntry(text, opts);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(message);
  });
});

describe('parseBuildpacksFile', () => {
  it('reads one entry a line, skipping blanks and comments', () => {
    const r = parseBuildpacksFile('# first\nhttps://h/a.git#v1  # pinned\n\r\n  nodejs\n', opts);
    expect(r).toEqual({
      ok: true,
      value: [
        { kind: 'git', url: 'https://h/a.git', ref: 'v1' },
        { kind: 'builtin', name: 'nodejs' },
      ],
    });
  });
  it('names the line of a bad entry', () => {
    expect(parseBuildpacksFile('nodejs\n\nperl\n', opts)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^\.buildpacks line 3: Unknown buildpack "perl"/),
    });
  });
});

describe('chooseBuildpacks: app list, then BUILDPACK_URL, then .buildpacks, then detection', () => {
  const base: ChoiceInput = {
    app: [],
    buildpackUrl: undefined,
    dotBuildpacks: undefined,
    defaults: ['nodejs', 'static'],
    allowFile: false,
  };
  const pick = (over: Partial<ChoiceInput>) => {
    const r = chooseBuildpacks({ ...base, ...over });
    if (!r.ok) throw new Error(r.message);
    return { source: r.value.source, labels: r.value.entries.map(entryLabel) };
  };

  it('detects across ours, in order, when nothing is set', () => {
    expect(pick({})).toEqual({ source: 'detect', labels: ['nodejs', 'static'] });
    expect(pick({ dotBuildpacks: '# nothing\n' })).toEqual({ source: 'detect', labels: ['nodejs', 'static'] });
  });
  it('takes the first source that is set', () => {
    const all = { app: ['static'], buildpackUrl: 'https://h/u.tgz', dotBuildpacks: 'https://h/f.git\nnodejs\n' };
    expect(pick(all)).toEqual({ source: 'app', labels: ['static'] });
    expect(pick({ ...all, app: [] })).toEqual({ source: 'BUILDPACK_URL', labels: ['https://h/u.tgz'] });
    expect(pick({ ...all, app: [], buildpackUrl: '' })).toEqual({
      source: '.buildpacks',
      labels: ['https://h/f.git', 'nodejs'],
    });
  });
  it('says which source holds a bad entry', () => {
    expect(chooseBuildpacks({ ...base, buildpackUrl: 'nope' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^BUILDPACK_URL: Unknown buildpack/),
    });
    expect(chooseBuildpacks({ ...base, app: ['ftp://x/y.tgz'] })).toMatchObject({
      ok: false,
      message: expect.stringContaining("The app's buildpack"),
    });
  });
});

describe('buildpack URLs that point at the platform itself', () => {
  const opts = { builtins: ['nodejs'], allowFile: false };
  it.each([
    ['http://127.0.0.1:2379/version', 'a loopback address (127.0.0.1)'],
    ['http://2130706433/x.tgz', 'a loopback address (127.0.0.1)'],
    ['http://0x7f.0.0.1/x.tgz', 'a loopback address (127.0.0.1)'],
    ['http://localhost:8700/internal/apps', 'a loopback name (localhost)'],
    ['https://api.localhost/x.git', 'a loopback name (api.localhost)'],
    ['http://169.254.169.254/latest/meta-data/', 'a link-local (metadata) address (169.254.169.254)'],
    ['http://0.0.0.0:2379/', 'an unspecified address (0.0.0.0)'],
    ['http://[::1]:2379/', 'a loopback address ([::1])'],
    ['http://[::ffff:127.0.0.1]/x.tgz', 'a loopback address ([::ffff:7f00:1])'],
    ['http://[fe80::1]/x.git', 'a link-local address ([fe80::1])'],
  ])('refuses %s: %s', (url, why) => {
    const r = parseBuildpackEntry(url, opts);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain(`points at ${why}`);
  });
  it('takes other addresses and names, the Docker bridge included', () => {
    for (const url of [
      'http://172.17.0.1:8000/hello.tgz',
      'https://example.com/bp.git#v1',
      'http://10.0.0.5/x.tgz',
      'http://localhost.example.com/x.tgz',
    ])
      expect(parseBuildpackEntry(url, opts).ok).toBe(true);
    expect(internalHost('example.com')).toBeUndefined();
  });
});
