import { describe, expect, it } from 'vitest';
import { processStatus } from '../../../services/controller/status/status.js';

// GET /status's reading of a supervise/<name>/ dir (`paas status`'s table: test/unit/cli/status.test.ts).

const alive = (live: number[]) => (pid: number) => live.includes(pid);

describe('processStatus', () => {
  it('is up with the pid, since its start, and the restarts and last exit recorded', () => {
    const s = processStatus(
      'agent',
      {
        pid: '4242\n',
        started: '1796580000\n',
        restarts: '2\n',
        last_exit: '2026-12-06T18:00:00Z killed by signal 9; started again after 0s\n',
        supervisor: 'runit\n',
      },
      alive([4242]),
    );
    expect(s).toEqual({
      name: 'agent',
      services: [],
      state: 'up',
      supervisor: 'runit',
      pid: 4242,
      up_since: new Date(1796580000 * 1000).toISOString(),
      restarts: 2,
      last_exit: '2026-12-06T18:00:00Z killed by signal 9; started again after 0s',
    });
  });

  it('is down when the recorded pid does not run, or there is none (waiting out a backoff, or stopped)', () => {
    expect(processStatus('etcd', { pid: '4242', started: '1', restarts: '5' }, alive([])).state).toBe('down');
    const none = processStatus('etcd', {}, alive([1]));
    expect(none).toMatchObject({
      state: 'down',
      pid: null,
      up_since: null,
      restarts: 0,
      last_exit: null,
      supervisor: 'unknown',
    });
    expect(processStatus('etcd', { pid: 'garbage', restarts: '-3' }, alive([])).restarts).toBe(0);
  });

  it('names the services the process runs (scripts/up writes them: all five in "platform")', () => {
    const files = { pid: '7\n', services: 'controller builder scheduler agent router\n', supervisor: 'runit\n' };
    expect(processStatus('platform', files, alive([7])).services).toEqual([
      'controller',
      'builder',
      'scheduler',
      'agent',
      'router',
    ]);
    expect(processStatus('agent', { pid: '7', services: 'agent\n' }, alive([7])).services).toEqual(['agent']);
  });
});
