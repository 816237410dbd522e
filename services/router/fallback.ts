import { readFile, stat } from 'node:fs/promises';
import type { Logger } from '../core/logger.js';
import type { HttpsSettings } from './render.js';
import { checkFallback } from './tls.js';

// The fallback certificate (PAAS_ROUTER_DEFAULT_CERT, _KEY) nginx serves to
// names with none of their own, looked at on every router pass: HTTPS is
// rendered only while its files hold a certificate and its key.

/** The fallback's files as last looked at: their identity, and what came of reading them. */
interface FallbackLook {
  files: string;
  https: HttpsSettings | undefined;
  why: string;
}

export class FallbackCertificate {
  private last: FallbackLook | undefined;

  constructor(
    private readonly want: HttpsSettings | undefined,
    private readonly log: Logger,
  ) {}

  /**
   * The HTTPS to render: the operator's, with the fallback's fingerprint, when its files hold a certificate and its
   * key; else none (a config naming files nginx cannot load fails `nginx -t`, HTTP with it). The files are read
   * again only when they change (their inode, size or mtime); why HTTPS is off is logged once, and when it turns on.
   */
  async https(): Promise<HttpsSettings | undefined> {
    const want = this.want;
    if (want === undefined) return undefined;
    const identity = async (path: string) => {
      const st = await stat(path).catch(() => undefined);
      return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'none';
    };
    const files = `${await identity(want.certificate)} ${await identity(want.key)}`;
    if (this.last?.files === files) return this.last.https;
    let look: FallbackLook;
    try {
      const [certPem, keyPem] = await Promise.all(
        [want.certificate, want.key].map((f) =>
          readFile(f, 'utf8').catch((err: NodeJS.ErrnoException) => {
            throw new Error(`cannot read ${f}: ${err.code ?? err.message}`);
          }),
        ),
      );
      const fb = checkFallback(certPem as string, keyPem as string);
      look = { files, https: { ...want, fingerprint: fb.fingerprint.toUpperCase() }, why: '' };
      this.log.info(
        { port: want.port, certificate: want.certificate, domains: fb.domains, notAfter: fb.notAfter },
        'HTTPS on: the fallback certificate is served to names with none of their own',
      );
    } catch (err) {
      const why = (err as Error).message;
      look = { files, https: undefined, why };
      if (this.last?.why !== why)
        this.log.warn(
          { port: want.port, certificate: want.certificate, key: want.key, why },
          'HTTPS off: no fallback certificate and key to serve (PAAS_ROUTER_DEFAULT_CERT, PAAS_ROUTER_DEFAULT_KEY)',
        );
    }
    this.last = look;
    return look.https;
  }
}
