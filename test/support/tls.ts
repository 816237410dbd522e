import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A certificate authority of the tests' own, made with the openssl CLI in a
// temp dir: its certificate to trust, and certificates it issues for names
// (EC P-256 keys, PKCS#8 PEM, the names in the subjectAltName).

export interface Issued {
  /** The files, for nginx. */
  certFile: string;
  keyFile: string;
  /** Their PEM. */
  crt: string;
  key: string;
}

export class TestCa {
  private constructor(
    readonly dir: string,
    /** The CA's certificate, PEM: what a client trusts. */
    readonly ca: string,
  ) {}

  private static openssl(dir: string, ...args: string[]): void {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** A new CA in a temp dir (remove() takes it away). */
  static create(name: string): TestCa {
    const dir = mkdtempSync(join(tmpdir(), `paas-${name}-ca-`));
    TestCa.openssl(
      dir,
      'req',
      '-x509',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-subj',
      `/O=paas tests/CN=${name} test CA`,
      '-days',
      '2',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    return new TestCa(dir, readFileSync(join(dir, 'ca.crt'), 'utf8'));
  }

  /** A certificate for `names` (the first is its CN), signed by the CA, written as <file>.crt and <file>.key. */
  issue(file: string, names: readonly string[]): Issued {
    const [keyFile, csr, certFile] = ['key', 'csr', 'crt'].map((ext) => join(this.dir, `${file}.${ext}`)) as [
      string,
      string,
      string,
    ];
    TestCa.openssl(
      this.dir,
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      csr,
      '-subj',
      `/CN=${names[0]}`,
      '-addext',
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
    );
    TestCa.openssl(
      this.dir,
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      '2',
      '-copy_extensions',
      'copyall',
      '-out',
      certFile,
    );
    return { certFile, keyFile, crt: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
