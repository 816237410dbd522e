import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDnsResponder, type DnsResponder } from './dns.js';
import { freePort, stopChild } from './ports.js';

// Pebble, Let's Encrypt's ACME test server (Debian's package), for one test
// file: its directory on a free port of 127.0.0.1 over HTTPS, with a
// certificate made here (the package ships none of Pebble's test
// certificates); HTTP-01 validation at 127.0.0.1:<httpPort>, where the test's
// challenge server listens; every domain resolved to 127.0.0.1 by a DNS
// responder of the test's own (dns.ts, given to Pebble as -dnsserver), so any
// name can be certified without touching the machine's resolver or
// /etc/hosts. No random sleep before validating (PEBBLE_VA_NOSLEEP=1), and
// validation is real (PEBBLE_VA_ALWAYS_VALID=0).

export const PEBBLE_BIN = process.env.PEBBLE_BIN ?? '/usr/bin/pebble';

export interface Pebble {
  directoryUrl: string;
  /** The CA (here the self-signed certificate) of the directory's HTTPS: the client's extraCa. */
  ca: string;
  dns: DnsResponder;
  /** What Pebble printed so far (its log of validations). */
  output(): string;
  stop(): Promise<void>;
}

export interface PebbleOptions {
  /** The port Pebble's HTTP-01 validation connects to. */
  httpPort: number;
  /** More environment for Pebble (PEBBLE_WFE_NONCEREJECT, PEBBLE_AUTHZREUSE...). */
  env?: Record<string, string>;
}

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  if (!existsSync(PEBBLE_BIN))
    throw new Error(
      `${PEBBLE_BIN} is missing: apt-get install pebble (scripts/test installs it with the test packages)`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'paas-pebble-'));
  const dns = await startDnsResponder();
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
        ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=pebble'],
        ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      ],
      { stdio: 'pipe' },
    );
    const ca = readFileSync(cert, 'utf8');
    // A free port can be taken between its probe and Pebble's bind: then Pebble exits, and another is tried.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = join(dir, 'pebble-config.json');
      writeFileSync(
        config,
        JSON.stringify({
          pebble: {
            listenAddress: `127.0.0.1:${port}`,
            managementListenAddress: '',
            certificate: cert,
            privateKey: key,
            httpPort: opts.httpPort,
            tlsPort: 0,
            ocspResponderURL: '',
            externalAccountBindingRequired: false,
          },
        }),
      );
      const child = spawn(PEBBLE_BIN, ['-config', config, '-dnsserver', `127.0.0.1:${dns.port}`], {
        env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_VA_ALWAYS_VALID: '0', ...opts.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const directoryUrl = `https://127.0.0.1:${port}/dir`;
      const up = await waitForDirectory(child, directoryUrl, ca);
      if (up) {
        return {
          directoryUrl,
          ca,
          dns,
          output: () => out,
          stop: async () => {
            await stopChild(child);
            await dns.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      }
      await stopChild(child);
      if (attempt === 3 || !/address already in use/.test(out))
        throw new Error(`pebble did not serve its directory at ${directoryUrl}:\n${out}`);
    }
  } catch (e) {
    await dns.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** Polls the directory until it answers 200 (true), Pebble exits, or 15 s pass (false). */
async function waitForDirectory(child: ChildProcess, url: string, ca: string): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    const status = await new Promise<number>((resolve) => {
      const req = request(url, { ca, timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.on('timeout', () => req.destroy());
      req.end();
    });
    if (status === 200) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
