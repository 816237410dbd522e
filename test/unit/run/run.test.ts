import { describe, expect, it } from 'vitest';
import { attachSpec, parseControl } from '../../../services/agent/attach.js';
import { parseRunParams, resolveRunCommand, runIndex, runName, type RunRequest } from '../../../services/core/runs.js';
import type { Assignment, Instance } from '../../../services/core/types.js';
import { loadConfig as loadSchedulerConfig } from '../../../services/scheduler/config.js';
import { plan, type PlanInput } from '../../../services/scheduler/plan.js';

// The pure parts of `paas run`: request checks, names, commands, the
// planner's one-off lifecycle and the control frames (the CLI's parsing:
// test/unit/cli/run/).

describe('run requests', () => {
  it("takes Heroku's fields with defaults", () => {
    expect(parseRunParams({ command: ' bash ', attach: true }, 'standard-1x')).toEqual({
      command: 'bash',
      size: 'standard-1x',
      env: {},
      ttlS: 3600,
      attach: true,
      tty: true,
    });
    expect(
      parseRunParams(
        { command: 'x', attach: true, force_no_tty: true, size: 'Standard-2X', time_to_live: 86_400, env: { A: '1' } },
        'standard-1x',
      ),
    ).toEqual({ command: 'x', size: 'standard-2x', env: { A: '1' }, ttlS: 86_400, attach: true, tty: false });
    expect(parseRunParams({ command: 'x' }, 'eco')).toMatchObject({ attach: false, tty: false, size: 'eco' });
  });

  it.each([
    [{}, /command is required/],
    [{ command: '  ' }, /command is required/],
    [{ command: 'a\nb' }, /one line/],
    [{ command: 'x', size: 'huge' }, /Unknown size "huge"/],
    [{ command: 'x', time_to_live: 0 }, /time_to_live/],
    [{ command: 'x', time_to_live: 1.5 }, /time_to_live/],
    [{ command: 'x', time_to_live: 86_401 }, /time_to_live/],
    [{ command: 'x', type: 'web' }, /type must be "run"/],
    [{ command: 'x', attach: 'yes' }, /attach/],
    [{ command: 'x', env: { PORT: '1' } }, /PORT is set by the platform/],
    [{ command: 'x', env: { PAAS_X: '1' } }, /set by the platform/],
    [{ command: 'x', env: { '1A': '1' } }, /Invalid env name/],
    [{ command: 'x', env: { A: 1 } }, /must be a string/],
    [{ command: 'x', env: [] }, /env must be an object/],
  ])('refuses %j', (body, message) => {
    expect(() => parseRunParams(body as Record<string, unknown>, 'standard-1x')).toThrow(message);
  });

  it('names one-offs run.1000-run.9999 and reads them back', () => {
    expect(runName(0)).toBe('run.1000');
    expect(runName(0.99999)).toBe('run.9999');
    expect(runIndex('run.4821')).toBe(4821);
    expect(runIndex('web.1x')).toBeUndefined();
    expect(runIndex('run.0')).toBeUndefined();
  });

  it('runs a process type by name, console else bash', () => {
    expect(resolveRunCommand('console', { console: 'node repl.js' })).toBe('node repl.js');
    expect(resolveRunCommand('console', { web: 'npm start' })).toBe('bash');
    expect(resolveRunCommand('worker', { worker: 'node w.js' })).toBe('node w.js');
    expect(resolveRunCommand('echo hi', { echo: 'x' })).toBe('echo hi');
    expect(resolveRunCommand('toString', {})).toBe('toString');
  });
});

describe('planning one-offs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const release = { version: 3, image: 'img:3', config: { A: 'a', B: 'b' }, processTypes: {} };
  const request = (over: Partial<RunRequest> = {}): RunRequest => ({
    app: 'app',
    name: 'run.1234',
    command: 'bash',
    size: 'standard-2x',
    env: { B: 'over' },
    ttlS: 60,
    attach: true,
    tty: true,
    release: 3,
    createdAt: new Date(now - 1000).toISOString(),
    createdBy: 'u',
    ...over,
  });
  const input = (over: Partial<PlanInput> = {}): PlanInput => ({
    ...loadSchedulerConfig({}),
    now,
    drainMs: 0,
    apps: [{ name: 'app', release, formation: { web: { quantity: 0, size: 'standard-1x' } } }],
    hosts: [{ id: 'h1', memoryMb: 4096, cpus: 4 }],
    assignments: [],
    instances: [],
    routes: [],
    runs: [{ request: request(), release }],
    ...over,
  });
  const assigned = (): Assignment => ({ ...(plan(input()).put[0] as Assignment) });
  const inst = (a: Assignment, state: Instance['state']): Instance => ({
    id: a.id,
    host: a.host,
    app: 'app',
    release: 3,
    type: 'run',
    state,
    containerId: 'c',
    address: '127.0.0.1',
    port: 0,
    updatedAt: '',
  });

  it('places a request as a one-off of its release with its env, size and attach', () => {
    const p = plan(input());
    expect(p.put).toEqual([
      expect.objectContaining({
        id: 'app.run.1234.v3',
        host: 'h1',
        type: 'run',
        index: 1234,
        image: 'img:3',
        command: 'bash',
        env: { A: 'a', B: 'over' },
        memoryMb: 1024,
        cpuShares: 2048,
        oneOff: true,
        attach: { tty: true },
      }),
    ]);
    expect(p.recheckInMs).toBe(59_000);
    expect(p.deleteRuns).toBeUndefined();
  });

  it('keeps a running one-off, and ends one that exited', () => {
    const a = assigned();
    expect(plan(input({ assignments: [a], instances: [inst(a, 'up')] })).remove).toEqual([]);
    for (const state of ['succeeded', 'failed'] as const) {
      const p = plan(input({ assignments: [a], instances: [inst(a, state)] }));
      expect(p.remove).toEqual([{ host: 'h1', id: a.id }]);
      expect(p.deleteRuns).toEqual([{ app: 'app', name: 'run.1234' }]);
    }
  });

  it('stops a one-off at its TTL, and one whose request was deleted (ps:stop)', () => {
    const a = assigned();
    const late = plan(input({ now: now + 60_000, assignments: [a] }));
    expect(late.remove).toEqual([{ host: 'h1', id: a.id }]);
    expect(late.deleteRuns).toEqual([{ app: 'app', name: 'run.1234' }]);
    const stopped = plan(input({ assignments: [a], runs: [] }));
    expect(stopped.remove).toEqual([{ host: 'h1', id: a.id }]);
  });

  it('never starts a one-off twice: its host lost, the request goes too', () => {
    const a = { ...assigned(), host: 'gone' };
    const p = plan(input({ assignments: [a] }));
    expect(p.put).toEqual([]);
    expect(p.remove).toEqual([{ host: 'gone', id: a.id }]);
    expect(p.deleteRuns).toEqual([{ app: 'app', name: 'run.1234' }]);
  });

  it('drops requests of a release that is gone, and leaves an unplaceable one waiting', () => {
    expect(plan(input({ runs: [{ request: request() }] })).deleteRuns).toEqual([{ app: 'app', name: 'run.1234' }]);
    const p = plan(input({ hosts: [{ id: 'h1', memoryMb: 512, cpus: 4 }] }));
    expect(p.put).toEqual([]);
    expect(p.unplaced[0]?.reason).toMatch(/memory/);
    expect(p.deleteRuns).toBeUndefined();
  });

  it("does not treat a one-off as surplus of the app's formation", () => {
    const a = assigned();
    const p = plan(
      input({
        assignments: [a],
        instances: [inst(a, 'up')],
        apps: [
          {
            name: 'app',
            release: { ...release, processTypes: { web: 'x' } },
            formation: { web: { quantity: 0, size: 'standard-1x' } },
          },
        ],
      }),
    );
    expect(p.remove).toEqual([]);
  });
});

describe('attach protocol (agent side)', () => {
  it('parses control frames', () => {
    expect(parseControl('{"resize":{"cols":80,"rows":24}}')).toEqual({ resize: { cols: 80, rows: 24 } });
    expect(parseControl('{"resize":{"cols":0,"rows":24}}')).toBeUndefined();
    expect(parseControl('{"stdin_eof":true}')).toEqual({ stdinEof: true });
    expect(parseControl('{"attached":true}')).toEqual({ attached: true });
    expect(parseControl('garbage')).toBeUndefined();
  });

  it('opens stdin (and a terminal) only for attached one-offs', () => {
    expect(attachSpec({})).toEqual({});
    expect(attachSpec({ attach: { tty: false }, command: 'cat' })).toEqual({
      Tty: false,
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
    const tty = attachSpec({ attach: { tty: true }, command: 'bash' });
    expect(tty).toMatchObject({ Tty: true });
    expect((tty.Cmd as string[]).at(-1)).toBe('bash');
  });
});
