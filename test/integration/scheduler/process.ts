import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_DIR } from '../../support/run.js';

// A service as a real process (the built dist/services/<name>/main.js), so a
// test can kill it the way a machine dies: SIGKILL, no resign, no cleanup;
// what it held in etcd goes only when its lease expires. It serves no
// metrics (its port would be a platform's running beside the tests) unless
// `env` gives it a port.

export interface ServiceProcess {
  /** Everything the process wrote, for a failure message. */
  output(): string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
}

export function startService(name: 'scheduler' | 'agent' | 'router', env: Record<string, string>): ServiceProcess {
  const child: ChildProcess = spawn(process.execPath, [`${REPO_DIR}dist/services/${name}/main.js`], {
    env: {
      PATH: process.env.PATH ?? '',
      PAAS_LOG_LEVEL: 'info',
      [`PAAS_${name.toUpperCase()}_METRICS_PORT`]: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    output: () => out,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
