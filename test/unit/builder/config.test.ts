import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../services/builder/config.js';
import { hookScriptText } from '../../../services/builder/push/repos.js';

describe('builder loadConfig', () => {
  it('derives paths from the state dir and finds the buildpacks', () => {
    const c = loadConfig({ PAAS_STATE_DIR: '/srv/paas', PAAS_INTERNAL_TOKEN: 't' });
    expect(c.sshPort).toBe(2222);
    expect(c.sshListenHost).toBe('127.0.0.1');
    expect(c.sshHostKey).toBe('/srv/paas/ssh/host_ed25519');
    expect(c.reposDir).toBe('/srv/paas/repos');
    expect(c.socketPath).toBe('/srv/paas/run/builder.sock');
    expect(c.buildStackImage).toBe('paas/stack-build:latest');
    expect(existsSync(join(c.buildpacksDir, 'nodejs', 'bin', 'compile'))).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("reads the scheduler's release timeout: a push with a release command waits that much longer", () => {
    expect(loadConfig({ PAAS_INTERNAL_TOKEN: 't' })).toMatchObject({
      deployWaitMs: 120_000,
      releaseTimeoutMs: 300_000,
    });
    expect(loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_SCHEDULER_RELEASE_TIMEOUT_MS: '10000' })).toMatchObject({
      releaseTimeoutMs: 10_000,
    });
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_SCHEDULER_RELEASE_TIMEOUT_MS: '10' })).toThrow(
      /PAAS_SCHEDULER_RELEASE_TIMEOUT_MS/,
    );
  });

  it('requires the internal token and refuses bad numbers', () => {
    expect(() => loadConfig({})).toThrow(/PAAS_INTERNAL_TOKEN/);
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_SSH_PORT: 'x' })).toThrow(/PAAS_SSH_PORT/);
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_MAX_PARALLEL_BUILDS: '0' })).toThrow(/PARALLEL/);
    expect(() => loadConfig({ PAAS_INTERNAL_TOKEN: 't', PAAS_BUILDER_HOOK_SCRIPT: "/x'y.js" })).toThrow(/quotes/);
  });

  it('writes a hook file that runs the hook script with node', () => {
    expect(hookScriptText('/usr/bin/node', '/opt/paas/hook.js')).toBe(
      "#!/bin/sh\n# Written by the paas builder; rewritten on every push.\nexec '/usr/bin/node' '/opt/paas/hook.js'\n",
    );
  });
});
