import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Real certificates for the integration tests, made with the openssl CLI in a
// directory of the test's: a CA, and leaves it signs for some DNS names.

export interface Pem {
  crt: string;
  key: string;
  crtFile: string;
  keyFile: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

function pem(dir: string, name: string): Pem {
  const crtFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { crt: readFileSync(crtFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), crtFile, keyFile };
}

/** A self-signed CA (EC P-256, ten years) as `<name>.crt` and `<name>.key` in `dir`. */
export function makeCa(dir: string, name: string): Pem {
  openssl(
    dir,
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', `/CN=${name}`],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  );
  return pem(dir, name);
}

/** A leaf for `domains` (its subjectAltName; the first is its CN) signed by `ca`, valid `days` from now. */
export function issueCert(dir: string, ca: Pem, name: string, domains: readonly string[], days = 90): Pem {
  openssl(
    dir,
    ...['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${domains[0]}`],
  );
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${domains.map((d) => `DNS:${d}`).join(',')}\n`);
  openssl(
    dir,
    ...['x509', '-req', '-in', `${name}.csr`, '-CA', ca.crtFile, '-CAkey', ca.keyFile, '-CAcreateserial'],
    ...['-out', `${name}.crt`, '-days', String(days), '-extfile', `${name}.ext`],
  );
  return pem(dir, name);
}
