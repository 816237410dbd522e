import { request } from 'node:http';
import { ACME_CHALLENGE_PATH } from '../../core/certs.js';

// Before the ACME server is told to validate a challenge, the controller
// waits until a router serves it: writing the AcmeChallenge record is not
// serving it (a router's watch, its pass and its push into nginx come after),
// and an ACME server that asks a moment too early gets a 404 and fails the
// order, which is then retried only PAAS_ACME_RETRY_MS later. Measured here:
// Pebble asked 8 ms after the record was written. The check asks the router
// the controller reaches (PAAS_ACME_SELF_CHECK_URL, by default the HTTP port
// on 127.0.0.1), which answers challenges for any Host; a router it cannot
// reach costs at most the timeout, and the ACME server still decides.

/** GET base + the challenge path once: its body on a 200, else undefined (never throws). */
function fetchChallenge(base: string, token: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(new URL(`${ACME_CHALLENGE_PATH}${token}`, base), { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (body.length > 1024) req.destroy();
      });
      res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * Whether the router at `base` serves the key authorization of `token`, polled every `everyMs` for `timeoutMs`:
 * true as soon as it does, false when it never did.
 */
export async function challengeServed(
  base: string,
  token: string,
  keyAuthorization: string,
  opts: { timeoutMs?: number; everyMs?: number } = {},
): Promise<boolean> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    if ((await fetchChallenge(base, token, 1000)) === keyAuthorization) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
  }
}
