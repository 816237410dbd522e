import { describe, expect, it } from 'vitest';
import { drainsText } from '../../../cli/commands/drains/index.js';
import { logSessionRequest } from '../../../cli/commands/logs/index.js';

describe('paas logs flags', () => {
  it('builds the session request', () => {
    expect(logSessionRequest({})).toEqual({ lines: 100, tail: false });
    expect(logSessionRequest({ num: '5', tail: true, ps: 'web', source: 'app' })).toEqual({
      lines: 5,
      tail: true,
      dyno: 'web',
      source: 'app',
    });
    expect(() => logSessionRequest({ num: 'x' })).toThrow(/--num/);
    expect(() => logSessionRequest({ source: 'kernel' })).toThrow(/--source/);
  });
});

describe('drains', () => {
  it('lists drains as Heroku does', () => {
    expect(drainsText('a', [])).toBe('a has no drains.');
    expect(drainsText('a', [{ url: 'syslog://h:1', token: 'd.x' }])).toBe('=== Drains\nsyslog://h:1 (d.x)');
  });
});
