import type { ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

// What tests that start servers of their own share: a free port of
// 127.0.0.1, and stopping a child process (SIGTERM, SIGKILL after 5 s).

/** A port of 127.0.0.1 free a moment ago (another process may take it before the caller binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Stops the child: SIGTERM, then SIGKILL if it has not exited 5 s later; at once if it has exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
