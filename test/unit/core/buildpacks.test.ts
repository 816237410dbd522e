import { describe, expect, it } from 'vitest';
import { chooseBuildpacks, DEFAULT_BUILDPACKS, type ChoiceInput, entryLabel, parseBuildpackEntry, parseBuildpacksFile, type EntryOptions } from '../../../services/core/buildpacks.js';

const opts: EntryOptions = { builtins: DEFAULT_BUILDPACKS, allowFile: false };

describe('parseBuildpackEntry', () => {
  it('takes ours by name and by the Heroku name', () => {
    expect(parseBuildpackEntry('nodejs', opts)).toEqual({ ok: true, value: { kind: 'builtin', name: 'nodejs' } });
    expect(parseBuildpackEntry(' heroku/nodejs ', opts)).toEqual({ ok: true, value: { kind: 'builtin', name: 'nodejs' } });
    expect(parseBuildpackEntry('heroku-community/static', opts)).toEqual({ ok: true, value: { kind: 'builtin', name: 'static' } });
  });

  it('tells git URLs (with a ref) from tarballs', () => {
    expect(parseBuildpackEntry('https://github.com/x/bp.git#v1.2', opts)).toEqual({ ok: true, value: { kind: 'git', url: 'https://github.com/x/bp.git', ref: 'v1.2' } });
    expect(parseBuildpackEntry('https://github.com/x/bp', opts)).toEqual({ ok: true, value: { kind: 'git', url: 'https://github.com/x/bp' } });
    expect(parseBuildpackEntry('http://example.com/bp.tar.gz', opts)).toEqual({ ok: true, value: { kind: 'tarball', url: 'http://example.com/bp.tar.gz' } });
    expect(parseBuildpackEntry('https://example.com/bp.TGZ?sig=a&b=c', opts)).toEqual({ ok: true, value: { kind: 'tarball', url: 'https://example.com/bp.TGZ?sig=a&b=c' } });
    expect(entryLabel({ kind: 'git', url: 'https://h/bp.git', ref: 'main' })).toBe('https://h/bp.git#main');
  });

  it('allows file:// only when asked', () => {
    expect(parseBuildpackEntry('file:///srv/bp.git', opts)).toMatchObject({ ok: false, message: expect.stringContaining('file:// is off') });
    expect(parseBuildpackEntry('file:///srv/bp.git#main', { ...opts, allowFile: true })).toEqual({ ok: true, value: { kind: 'git', url: 'file:///srv/bp.git', ref: 'main' } });
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
    expect(r).toEqual({ ok: true, value: [{ kind: 'git', url: 'https://h/a.git', ref: 'v1' }, { kind: 'builtin', name: 'nodejs' }] });
  });
  it('names the line of a bad entry', () => {
    expect(parseBuildpacksFile('nodejs\n\nperl\n', opts)).toMatchObject({ ok: false, message: expect.stringMatching(/^\.buildpacks line 3: Unknown buildpack "perl"/) });
  });
});

describe('chooseBuildpacks: app list, then BUILDPACK_URL, then .buildpacks, then detection', () => {
  const base: ChoiceInput = { app: [], buildpackUrl: undefined, dotBuildpacks: undefined, defaults: ['nodejs', 'static'], allowFile: false };
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
    expect(pick({ ...all, app: [], buildpackUrl: '' })).toEqual({ source: '.buildpacks', labels: ['https://h/f.git', 'nodejs'] });
  });
  it('says which source holds a bad entry', () => {
    expect(chooseBuildpacks({ ...base, buildpackUrl: 'nope' })).toMatchObject({ ok: false, message: expect.stringMatching(/^BUILDPACK_URL: Unknown buildpack/) });
    expect(chooseBuildpacks({ ...base, app: ['ftp://x/y.tgz'] })).toMatchObject({ ok: false, message: expect.stringContaining("The app's buildpack") });
  });
});
