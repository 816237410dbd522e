import { connect } from 'node:net';

// Health check: the container's published port accepts a TCP connection and
// keeps it open. Docker's userland proxy accepts on the host port even while
// nothing listens in the container, and then closes the connection at once;
// so a connection only counts once it has stayed open for `settleMs`.

/** One attempt: resolves true if address:port accepts and does not hang up within settleMs. */
export function tcpAccepts(address: string, port: number, opts: { timeoutMs?: number; settleMs?: number } = {}): Promise<boolean> {
  const timeoutMs = opts.timeoutMs ?? 1000;
  const settleMs = opts.settleMs ?? 200;
  return new Promise((resolve) => {
    let settled = false;
    const sock = connect({ host: address, port });
    sock.resume(); // read and drop anything sent, so a hang-up is seen
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs + settleMs);
    sock.once('connect', () => setTimeout(() => done(true), settleMs));
    sock.once('end', () => done(false));
    sock.once('close', () => done(false));
    sock.once('error', () => done(false));
  });
}

/** Tries until the port accepts (true), the deadline passes or the signal aborts (false). */
export async function waitForPort(opts: { address: string; port: number; deadline: number; signal: AbortSignal; intervalMs?: number }): Promise<boolean> {
  const interval = opts.intervalMs ?? 250;
  while (!opts.signal.aborted && Date.now() < opts.deadline) {
    if (await tcpAccepts(opts.address, opts.port)) return true;
    await new Promise((r) => setTimeout(r, interval));
  }
  return false;
}
