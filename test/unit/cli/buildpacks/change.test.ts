import { describe, expect, it } from 'vitest';
import { changeBuildpacks, parseIndex } from '../../../../cli/commands/buildpacks/change.js';
import { changedText } from '../../../../cli/commands/buildpacks/format.js';
import { buildpacksText } from '../../../../cli/commands/buildpacks/index.js';

describe('changeBuildpacks (1-based indexes, as heroku/cli)', () => {
  it('sets the first, or the one at the index', () => {
    expect(changeBuildpacks([], { kind: 'set', url: 'nodejs' })).toEqual(['nodejs']);
    expect(changeBuildpacks(['a.tgz', 'nodejs'], { kind: 'set', url: 'b.tgz' })).toEqual(['b.tgz', 'nodejs']);
    expect(changeBuildpacks(['a.tgz', 'nodejs'], { kind: 'set', url: 'b.tgz', index: 2 })).toEqual(['a.tgz', 'b.tgz']);
    expect(changeBuildpacks(['nodejs'], { kind: 'set', url: 'heroku/nodejs' })).toEqual(['heroku/nodejs']);
    expect(() => changeBuildpacks(['a'], { kind: 'set', url: 'b', index: 3 })).toThrow('Invalid index. Use 1 to 2.');
  });
  it('adds last or at the index, never twice', () => {
    expect(changeBuildpacks(['nodejs'], { kind: 'add', url: 'x.tgz' })).toEqual(['nodejs', 'x.tgz']);
    expect(changeBuildpacks(['nodejs'], { kind: 'add', url: 'x.tgz', index: 1 })).toEqual(['x.tgz', 'nodejs']);
    expect(changeBuildpacks(['nodejs'], { kind: 'add', url: 'x.tgz', index: 9 })).toEqual(['nodejs', 'x.tgz']);
    expect(() => changeBuildpacks(['nodejs'], { kind: 'add', url: 'heroku/nodejs' })).toThrow(
      'The buildpack heroku/nodejs is already set on your app.',
    );
  });
  it('removes by URL or index', () => {
    expect(changeBuildpacks(['a', 'b'], { kind: 'remove', url: 'b' })).toEqual(['a']);
    expect(changeBuildpacks(['a', 'b'], { kind: 'remove', index: 1 })).toEqual(['b']);
    expect(() => changeBuildpacks(['a'], { kind: 'remove', url: 'z' })).toThrow(
      'Buildpack not found. Nothing was removed.',
    );
    expect(() => changeBuildpacks(['a', 'b'], { kind: 'remove', index: 3 })).toThrow(
      'Invalid index. Only valid value is 1 to 2.',
    );
    expect(() => changeBuildpacks(['a'], { kind: 'remove' })).toThrow('Must specify a buildpack to remove');
  });
});

describe('texts', () => {
  it("speak Heroku's words", () => {
    expect(changedText('my-app', 'set', ['nodejs'])).toMatch(
      /^Buildpack set\. Next release on my-app will use nodejs\./,
    );
    expect(changedText('my-app', 'added', ['a', 'b'])).toMatch(
      /^Buildpacks added\. Next release on my-app will use:\n {2}1\. a\n {2}2\. b\n/,
    );
    expect(changedText('my-app', 'removed', [])).toBe(
      'Buildpack removed. Next release on my-app will detect buildpacks normally.',
    );
    expect(buildpacksText('my-app', [])).toBe('my-app has no Buildpack URL set.');
    expect(buildpacksText('my-app', [{ ordinal: 0, buildpack: { url: 'nodejs', name: 'nodejs' } }])).toBe(
      '=== my-app Buildpack URL\nnodejs',
    );
  });
  it('parses -i', () => {
    expect(parseIndex(undefined)).toBeUndefined();
    expect(parseIndex('2')).toBe(2);
    expect(() => parseIndex('0')).toThrow('Invalid index "0"');
    expect(() => parseIndex('1x')).toThrow('Invalid index');
  });
});
