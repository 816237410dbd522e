import { describe, expect, it } from 'vitest';
import type { BuildView } from '../../../../services/core/api.js';
import { buildsTable, formatDuration, outputText } from '../../../../cli/commands/builds/format.js';
import { parseBuildId } from '../../../../cli/commands/builds/output.js';

const build = (over: Partial<BuildView>): BuildView => ({
  id: '20260101-102030-abcdef',
  app: { name: 'a' },
  status: 'succeeded',
  source_blob: { version: '1a2b3c4d'.padEnd(40, '0') },
  user: { id: 'u1', email: 'me@example.com' },
  created_at: '2026-01-01T10:20:30.000Z',
  updated_at: '2026-01-01T10:21:00.000Z',
  release: { version: 3 },
  phases: { fetch: 300, compile: 9000, image: 1000 },
  failure: null,
  slug: { id: 'a/v3' },
  ...over,
});

describe('builds CLI', () => {
  it('formats durations', () => {
    expect(formatDuration(4200)).toBe('4.2s');
    expect(formatDuration(83_456)).toBe('1m 23s');
  });
  it('tables builds: id, status (with release), commit, user, date, duration', () => {
    const text = buildsTable([build({}), build({ id: '20260101-090000-000000', status: 'building', release: null })]);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Id\s+Status\s+Commit\s+User\s+Date\s+Duration$/);
    expect(lines[2]).toMatch(
      /^20260101-102030-abcdef\s+succeeded \(v3\)\s+1a2b3c4\s+me@example.com\s+2026\/01\/01 10:20:30 UTC\s+10.3s$/,
    );
    expect(lines[3]).toMatch(
      /^20260101-090000-000000\s+building\s+1a2b3c4\s+me@example.com\s+2026\/01\/01 10:20:30 UTC$/,
    );
  });
  it('shows output with a note of what was cut', () => {
    expect(outputText({ id: 'b', status: 'failed', lines: ['a', 'b'], truncated_bytes: 0 })).toBe('a\nb');
    expect(outputText({ id: 'b', status: 'failed', lines: ['a'], truncated_bytes: 9 })).toBe(
      '(the first 9 bytes of output were not kept)\na',
    );
  });
  it('checks build ids', () => {
    expect(parseBuildId(' 20260101-102030-abcdef ')).toBe('20260101-102030-abcdef');
    expect(() => parseBuildId('../x')).toThrow('../x is not a build id; see `paas builds`');
  });
});
