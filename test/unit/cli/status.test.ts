import { describe, expect, it } from 'vitest';
import { processLabel, statusText } from '../../../cli/commands/status/index.js';

describe('statusText', () => {
  it('prints a row per process, DOWN for one not running', () => {
    const text = statusText({
      processes: [
        {
          name: 'etcd',
          services: [],
          state: 'up',
          supervisor: 'runit',
          pid: 7,
          up_since: '2026-12-06T18:00:00.000Z',
          restarts: 0,
          last_exit: null,
        },
        {
          name: 'platform',
          services: ['controller', 'builder', 'scheduler', 'agent', 'router'],
          state: 'up',
          supervisor: 'runit',
          pid: 9,
          up_since: '2026-12-06T18:00:01.000Z',
          restarts: 1,
          last_exit: 'x killed by signal 9; started again after 0s',
        },
        {
          name: 'agent',
          services: ['agent'],
          state: 'down',
          supervisor: 'runit',
          pid: null,
          up_since: null,
          restarts: 4,
          last_exit: 'x exited with code 1; started again after 8s',
        },
      ],
    });
    expect(text).toMatch(/^Process +State +Since +Supervisor +Restarts +Last exit\n/);
    expect(text).toMatch(/etcd +up \(pid 7\) +2026\/12\/06 18:00:00 UTC +runit +0 +-/);
    expect(text).toMatch(/agent +DOWN +- +runit +4 +x exited with code 1; started again after 8s/);
    expect(text).toMatch(
      /platform \(controller, builder, scheduler, agent, router\) +up \(pid 9\) +2026\/12\/06 18:00:01 UTC +runit +1 +/,
    );
    expect(statusText({ processes: [] })).toContain('No supervised processes');
  });

  it('labels a process with its services unless it runs just itself', () => {
    expect(processLabel({ name: 'platform', services: ['controller', 'router'] })).toBe(
      'platform (controller, router)',
    );
    expect(processLabel({ name: 'agent', services: ['agent'] })).toBe('agent');
    expect(processLabel({ name: 'etcd', services: [] })).toBe('etcd');
  });
});
