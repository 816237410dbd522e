import { describe, expect, it } from 'vitest';
import type { DynoView, ReleaseListEntry, ReleaseState } from '../../../services/core/api.js';
import { crashNote, failedReleaseNote } from '../../../cli/commands/ps/format.js';
import { releaseDescription, releasesTable } from '../../../cli/commands/releases/format.js';

const rel = (version: number, status: ReleaseState, failure: string | null = null): ReleaseListEntry => ({
  id: `a-v${version}`,
  version,
  description: `Deploy abc${version}`,
  commit: null,
  created_at: '2026-01-01T00:00:00Z',
  user: { id: 'u', email: 'me@example.com' },
  status,
  failure,
});
const dyno = (release: number, state: DynoView['state'], type = 'web'): DynoView => ({
  id: `x${release}`,
  name: `${type}.1`,
  type,
  state,
  release: { version: release },
  size: 'eco',
  command: 'x',
  host: 'h',
  created_at: '',
  updated_at: '',
  restarts: 0,
  exit_code: null,
  started_at: null,
});

describe('failed releases in the CLI', () => {
  it('releaseDescription and the releases table say why a release failed', () => {
    expect(releaseDescription(rel(7, 'failed', 'web.1 crashed (exit 1) 3 times'))).toBe(
      'Deploy abc7  failed: web.1 crashed (exit 1) 3 times',
    );
    expect(releaseDescription(rel(6, 'succeeded'))).toBe('Deploy abc6');
    expect(releaseDescription(rel(8, 'pending'))).toBe('Deploy abc8');
    expect(
      releasesTable([rel(6, 'succeeded'), rel(7, 'failed', 'release command failed (exit 2)')]).split('\n')[2],
    ).toMatch(/^v7 +Deploy abc7  failed: release command failed \(exit 2\) +me@example\.com/);
  });

  it('failedReleaseNote: only when the latest failed; names what serves', () => {
    const releases = [rel(6, 'succeeded'), rel(7, 'failed', 'web.1 crashed (exit 1) 3 times')];
    expect(failedReleaseNote(releases, [dyno(6, 'up'), dyno(7, 'crashed')])).toBe(
      'v7 failed: web.1 crashed (exit 1) 3 times; v6 is serving',
    );
    expect(failedReleaseNote(releases, [dyno(6, 'up', 'worker')])).toBe(
      'v7 failed: web.1 crashed (exit 1) 3 times; no release is serving',
    );
    expect(failedReleaseNote([...releases, rel(8, 'pending')], [dyno(6, 'up')])).toBeUndefined();
    expect(failedReleaseNote([], [])).toBeUndefined();
  });

  it('crashNote shows a one-off exit', () => {
    expect(crashNote({ state: 'failed', exit_code: 2, restarts: 0 })).toBe(' (exit 2)');
    expect(crashNote({ state: 'succeeded', exit_code: 0, restarts: 0 })).toBe(' (exit 0)');
  });
});
