import { describe, expect, it } from 'vitest';
import { formatLogLine, parseLogLine, type LogRecord } from '../../../../services/core/logs.js';
import { RELEASE_DYNO } from '../../../../services/core/releasephase.js';
import { releaseLogEvent } from '../../../../services/builder/release/releaselog.js';

// The release command's output in the push: which lines of the release
// one-off's log session are its output or its exit (pure parts).

const CREATED = Date.parse('2026-11-24T22:00:00.500Z');
const line = (at: string, source: LogRecord['source'], dyno: string, text: string) =>
  formatLogLine({ at, source, dyno, line: text });

describe('parseLogLine', () => {
  it("reads back what formatLogLine prints, in Heroku's format", () => {
    for (const r of [
      { at: '2026-11-24T22:00:00.123456Z', source: 'app', dyno: 'release.1', line: 'migrated: 3 tables [ok]' },
      { at: '2026-11-24T22:00:00.000001Z', source: 'paas', dyno: 'api', line: 'Release v5 created by user a@b.c' },
      {
        at: '2026-11-24T22:00:00.123456Z',
        source: 'router',
        dyno: 'router',
        line: 'at=info method=GET path="/" status=200',
      },
      { at: '2026-11-24T22:00:00.123456Z', source: 'app', dyno: 'web.1', line: '' },
    ] satisfies LogRecord[]) {
      expect(parseLogLine(formatLogLine(r))).toEqual(r);
    }
  });

  it('is undefined for anything else', () => {
    expect(parseLogLine('')).toBeUndefined(); // a heartbeat
    expect(parseLogLine('hello')).toBeUndefined();
    expect(parseLogLine('2026-11-24T22:00:00.123456+00:00 kernel[web.1]: x')).toBeUndefined();
    expect(parseLogLine('2026-11-24T22:00:00Z app[web.1]: x')).toBeUndefined();
  });
});

describe('releaseLogEvent', () => {
  it('the output lines of the release one-off since the release was created', () => {
    expect(RELEASE_DYNO).toBe('release.1');
    expect(releaseLogEvent(line('2026-11-24T22:00:00.500000Z', 'app', 'release.1', 'migrated'), CREATED)).toEqual({
      kind: 'output',
      line: 'migrated',
    });
    expect(
      releaseLogEvent(line('2026-11-24T22:00:01.000000Z', 'app', 'release.1', '  indented: kept'), CREATED),
    ).toEqual({ kind: 'output', line: '  indented: kept' });
  });

  it("its exit from the agent's platform line", () => {
    expect(
      releaseLogEvent(
        line('2026-11-24T22:00:01.000000Z', 'paas', 'release.1', 'Process exited with status 0'),
        CREATED,
      ),
    ).toEqual({ kind: 'exit', code: 0 });
    expect(
      releaseLogEvent(
        line('2026-11-24T22:00:01.000000Z', 'paas', 'release.1', 'Process exited with status 143'),
        CREATED,
      ),
    ).toEqual({ kind: 'exit', code: 143 });
  });

  it('nothing for an earlier release phase, other dynos, other platform lines or a heartbeat', () => {
    expect(
      releaseLogEvent(
        line('2026-11-24T22:00:00.499999Z', 'app', 'release.1', 'migrated (the previous release)'),
        CREATED,
      ),
    ).toBeUndefined();
    expect(
      releaseLogEvent(
        line('2026-11-24T21:59:00.000000Z', 'paas', 'release.1', 'Process exited with status 0'),
        CREATED,
      ),
    ).toBeUndefined();
    expect(releaseLogEvent(line('2026-11-24T22:00:01.000000Z', 'app', 'web.1', 'listening'), CREATED)).toBeUndefined();
    expect(releaseLogEvent(line('2026-11-24T22:00:01.000000Z', 'app', 'release.10', 'x'), CREATED)).toBeUndefined();
    expect(
      releaseLogEvent(line('2026-11-24T22:00:01.000000Z', 'paas', 'release.1', 'Starting process'), CREATED),
    ).toBeUndefined();
    expect(
      releaseLogEvent(
        line('2026-11-24T22:00:01.000000Z', 'paas', 'release.1', 'State changed from up to complete'),
        CREATED,
      ),
    ).toBeUndefined();
    expect(
      releaseLogEvent(line('2026-11-24T22:00:01.000000Z', 'router', 'router', 'at=info'), CREATED),
    ).toBeUndefined();
    expect(releaseLogEvent('', CREATED)).toBeUndefined();
  });
});
