import { describe, expect, it } from 'vitest';
import type { Assignment } from '../../../services/core/types.js';
import {
  containerName,
  containerSpec,
  diffContainers,
  keepParked,
  type ContainerRef,
} from '../../../services/agent/spec.js';

const a: Assignment = {
  id: 'shop.web.2.v7',
  host: 'h1',
  app: 'shop',
  release: 7,
  type: 'web',
  index: 2,
  image: 'paas/app-shop:b1',
  command: 'node server.js',
  env: { GREETING: 'hi there', EMPTY: '' },
  port: 5000,
  memoryMb: 512,
  cpuShares: 1024,
  createdAt: '2025-01-01T00:00:00Z',
};
const ctx = { cluster: 'paas', hostId: 'h1', hostAddress: '127.0.0.1', pidsLimit: 256 };

describe('containerSpec', () => {
  it('runs the command unprivileged, limited, with PORT and DYNO, published on the host address', () => {
    const s = containerSpec(a, ctx);
    expect(s.name).toBe('paas-shop.web.2.v7');
    expect(s.Cmd).toEqual(['/usr/local/bin/paas-launch', 'node server.js']);
    expect(s.User).toBe('1000:1000');
    expect(s.WorkingDir).toBe('/app');
    expect(s.Env).toEqual(['GREETING=hi there', 'EMPTY=', 'PORT=5000', 'DYNO=web.2']);
    expect(s.Labels).toEqual({
      'paas.cluster': 'paas',
      'paas.host': 'h1',
      'paas.assignment': 'shop.web.2.v7',
      'paas.app': 'shop',
      'paas.release': '7',
      'paas.type': 'web',
    });
    expect(s.ExposedPorts).toEqual({ '5000/tcp': {} });
    expect(s.HostConfig.PortBindings).toEqual({ '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(s.HostConfig.Memory).toBe(512 * 1024 * 1024);
    expect(s.HostConfig.CpuShares).toBe(1024);
    expect(s.HostConfig.PidsLimit).toBe(256);
    expect(s.HostConfig.CapDrop).toEqual(['ALL']);
    expect(s.HostConfig.SecurityOpt).toEqual(['no-new-privileges']);
    expect(s.HostConfig.Init).toBe(true);
  });

  it('makes Docker-safe names', () => {
    expect(containerName('t-1', 'a b/c:d')).toBe('t-1-a-b-c-d');
    expect(containerName('paas', 'shop.web.1.v1')).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
  });
});

const c = (id: string, assignment: string, running = true, created = 1): ContainerRef => ({
  id,
  labels: { 'paas.assignment': assignment },
  running,
  created,
});

describe('diffContainers', () => {
  it('creates the missing, matches the present, removes the unassigned', () => {
    const b = { ...a, id: 'shop.web.3.v7' };
    const d = diffContainers([a, b], [c('c1', a.id), c('c9', 'shop.web.1.v6')]);
    expect(d.create.map((x) => x.id)).toEqual(['shop.web.3.v7']);
    expect(d.matched.map((m) => `${m.assignment.id}=${m.container.id}`)).toEqual(['shop.web.2.v7=c1']);
    expect(d.remove.map((x) => x.id)).toEqual(['c9']);
  });

  it('keeps one container per assignment, preferring a running, then the newest one', () => {
    const d = diffContainers([a], [c('old', a.id, false, 5), c('run', a.id, true, 1), c('new', a.id, false, 9)]);
    expect(d.matched.map((m) => m.container.id)).toEqual(['run']);
    expect(d.remove.map((x) => x.id).sort()).toEqual(['new', 'old']);
  });

  it('removes everything when nothing is assigned', () => {
    expect(diffContainers([], [c('x', 'a'), c('y', '')]).remove.map((x) => x.id)).toEqual(['x', 'y']);
  });
});

describe('keepParked', () => {
  it('keeps containers of at most N parked assignments, the most recently assigned, and makes none past them', () => {
    const p = (id: string, at: string): Assignment => ({ ...a, id, parked: true, createdAt: at });
    const old = p('old.web.1.v1', '2025-01-01T00:00:00Z');
    const mid = p('mid.web.1.v1', '2025-01-02T00:00:00Z');
    const fresh = p('new.web.1.v1', '2025-01-03T00:00:00Z');
    const d = keepParked(
      diffContainers([a, old, mid, fresh], [c('c-old', old.id), c('c-mid', mid.id), c('c-a', a.id)]),
      2,
    );
    expect(d.matched.map((m) => m.assignment.id)).toEqual([a.id, mid.id]);
    expect(d.create.map((x) => x.id)).toEqual([fresh.id]);
    expect(d.remove.map((x) => x.id)).toEqual(['c-old']);
    const none = keepParked(diffContainers([old, fresh], []), 0);
    expect(none.create).toEqual([]);
    const all = diffContainers([old, fresh], []);
    expect(keepParked(all, 5)).toBe(all);
  });
});
