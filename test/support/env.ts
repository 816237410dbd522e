import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

// Where the tests find the platform's parts. scripts/test brings a test
// platform up and exports PAAS_ENV_FILE (its $PAAS_STATE_DIR/paas.env); the
// settings in that file win over the defaults below, which match a developer's
// machine with etcd on 127.0.0.1:2379.

export function platformEnv(): Record<string, string> {
  const file = process.env.PAAS_ENV_FILE;
  const out: Record<string, string> = {};
  if (file && existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
      if (m) out[m[1] as string] = (m[2] as string).replace(/^'(.*)'$/, '$1');
    }
  }
  return out;
}

export function etcdEndpoints(): string[] {
  return (platformEnv().PAAS_ETCD_ENDPOINTS ?? 'http://127.0.0.1:2379').split(',');
}

/** An etcd prefix no other test uses, so tests never see each other's keys. */
export function uniquePrefix(name: string): string {
  return `/test/${name}-${randomBytes(4).toString('hex')}`;
}
