import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// The router's own nginx, behind a small interface: install a config (temp
// file, `nginx -t`, rename), start, reload, and find the running master
// through the pid file. nginx daemonises, so it keeps serving while the
// router restarts; a new router adopts it.

export interface Nginx {
  /** The config file in place, if any. */
  readConfig(): Promise<string | undefined>;
  /**
   * Writes `config` to a temp file, checks it with `nginx -t`, renames it into place. Throws NginxError if the check
   * fails.
   */
  install(config: string): Promise<void>;
  /** The pid of our running master (from the pid file), or undefined. */
  masterPid(): Promise<number | undefined>;
  /** Starts nginx with the installed config and waits for its pid file; returns the master's pid. */
  start(): Promise<number>;
  /** Asks the running master to reload the installed config. */
  reload(): Promise<void>;
  /** Stops the running master gracefully (QUIT) and waits until it is gone. */
  stop(): Promise<void>;
}

export class NginxError extends Error {
  override name = 'NginxError';
  constructor(
    message: string,
    readonly args: string[],
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`${message}: ${output.trim()}`);
  }

  /** The line of the config file nginx complained about ("... in /path/nginx.conf.tmp:42"). */
  get line(): number | undefined {
    const m = /in \S+:(\d+)\s*$/m.exec(this.output);
    return m ? Number(m[1]) : undefined;
  }
}

export interface NginxPaths {
  dir: string;
  conf: string;
  pid: string;
}

export function nginxPaths(dir: string): NginxPaths {
  return { dir, conf: join(dir, 'nginx.conf'), pid: join(dir, 'nginx.pid') };
}

interface RunResult {
  code: number | null;
  output: string;
}

function run(bin: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** True if `pid` is a live (not zombie) nginx process. */
async function isNginx(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('nginx');
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

/** nginx processes (not their master: it is gone) holding a file under `dir` open, whose parent is not an nginx. */
export async function orphanWorkers(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      if ((await readFile(`/proc/${pid}/comm`, 'utf8')).trim() !== 'nginx') continue;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (await isNginx(ppid)) continue; // a live master's worker (or a master itself: its parent is not nginx, but it holds no file below)
      if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8')).startsWith('nginx: worker process')) continue;
      const fds = await readdir(`/proc/${pid}/fd`);
      for (const fd of fds) {
        const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
        if (target.startsWith(dir + '/')) {
          out.push(pid);
          break;
        }
      }
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

export class NginxCli implements Nginx {
  readonly paths: NginxPaths;

  constructor(
    private readonly bin: string,
    dir: string,
  ) {
    this.paths = nginxPaths(dir);
  }

  async readConfig(): Promise<string | undefined> {
    try {
      return await readFile(this.paths.conf, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async install(config: string): Promise<void> {
    await mkdir(join(this.paths.dir, 'logs'), { recursive: true });
    await mkdir(join(this.paths.dir, 'tmp'), { recursive: true });
    const tmp = `${this.paths.conf}.${process.pid}.tmp`;
    await writeFile(tmp, config, { mode: 0o644 });
    try {
      const args = ['-t', '-q', '-c', tmp];
      const res = await run(this.bin, args);
      if (res.code !== 0) throw new NginxError('nginx rejected the config', args, res.code, res.output);
      await rename(tmp, this.paths.conf);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async masterPid(): Promise<number | undefined> {
    let text: string;
    try {
      text = await readFile(this.paths.pid, 'utf8');
    } catch {
      return undefined;
    }
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    return (await isNginx(pid)) ? pid : undefined;
  }

  async start(): Promise<number> {
    await mkdir(join(this.paths.dir, 'logs'), { recursive: true });
    await mkdir(join(this.paths.dir, 'tmp'), { recursive: true });
    await this.endOrphans();
    const args = ['-c', this.paths.conf];
    const res = await run(this.bin, args);
    if (res.code !== 0) throw new NginxError('nginx did not start', args, res.code, res.output);
    // The launcher exits once the master has daemonised; the master writes its pid file just after.
    for (let i = 0; i < 100; i++) {
      const pid = await this.masterPid();
      if (pid !== undefined) return pid;
      await sleep(50);
    }
    throw new NginxError('nginx started but wrote no pid file', args, res.code, res.output);
  }

  /**
   * Workers a killed master left behind still hold the listening ports (a
   * new master's bind() fails): ours are the nginx processes with a file of
   * this dir open (their logs) whose parent is no longer an nginx. They are
   * told to stop (TERM), then killed after 2 s.
   */
  private async endOrphans(): Promise<void> {
    const orphans = await orphanWorkers(this.paths.dir);
    if (orphans.length === 0) return;
    for (const pid of orphans) signal(pid, 'SIGTERM');
    for (let i = 0; i < 40 && (await Promise.all(orphans.map(isNginx))).some(Boolean); i++) await sleep(50);
    for (const pid of orphans) if (await isNginx(pid)) signal(pid, 'SIGKILL');
  }

  async reload(): Promise<void> {
    const args = ['-s', 'reload', '-c', this.paths.conf];
    const res = await run(this.bin, args);
    if (res.code !== 0) throw new NginxError('nginx reload failed', args, res.code, res.output);
  }

  async stop(): Promise<void> {
    const pid = await this.masterPid();
    if (pid === undefined) return;
    process.kill(pid, 'SIGQUIT');
    while (await isNginx(pid)) await sleep(50);
  }
}
