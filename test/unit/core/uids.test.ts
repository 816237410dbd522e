import { describe, expect, it } from 'vitest';
import { FIRST_APP_UID, LAST_APP_UID, LEGACY_APP_UID, appUid, nextAppUid } from '../../../services/core/uids.js';
import { renumberApp } from '../../../services/builder/build/appimage.js';
import { containerSpec } from '../../../services/agent/spec.js';

describe('app uids', () => {
  it('start at 100000 and only grow; the last is refused', () => {
    expect(nextAppUid(undefined)).toEqual({ uid: FIRST_APP_UID, next: FIRST_APP_UID + 1 });
    expect(nextAppUid(123_456)).toEqual({ uid: 123_456, next: 123_457 });
    expect(() => nextAppUid(LAST_APP_UID + 1)).toThrow(/No app uids are left/);
    expect(() => nextAppUid(5)).toThrow(/below/);
  });

  it("a dyno runs as its app's uid; an app made before uids per app runs as the stack user", () => {
    expect(appUid({})).toBe(LEGACY_APP_UID);
    expect(appUid({ uid: 100_007 })).toBe(100_007);
    const a = {
      id: 'shop.web.1.v1',
      host: 'h',
      app: 'shop',
      release: 1,
      type: 'web',
      index: 1,
      image: 'i',
      command: 'c',
      env: {},
      port: 5000,
      memoryMb: 256,
      cpuShares: 256,
      createdAt: '2026-01-01T00:00:00Z',
    };
    const ctx = { cluster: 'paas', hostId: 'h', hostAddress: '127.0.0.1', pidsLimit: 256 };
    expect(containerSpec({ ...a, uid: 100_007 }, ctx).User).toBe('100007:100007');
    expect(containerSpec(a, ctx).User).toBe('1000:1000');
  });

  it("renumbers only the `app` entry of the image's passwd and group", () => {
    const passwd = 'root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/app:/bin/bash\napplog:x:1001:1001::/:/bin/sh\n';
    expect(renumberApp(passwd, 100_123, true)).toBe(
      'root:x:0:0:root:/root:/bin/bash\napp:x:100123:100123::/app:/bin/bash\napplog:x:1001:1001::/:/bin/sh\n',
    );
    expect(renumberApp('root:x:0:\napp:x:1000:\n', 100_123, false)).toBe('root:x:0:\napp:x:100123:\n');
  });
});

describe('withoutEnd', () => {
  it('drops the two zero end blocks of a one-block-record tar, refusing anything else', async () => {
    const { withoutEnd } = await import('../../../services/builder/build/appimage.js');
    const body = Buffer.alloc(1024, 7);
    expect(withoutEnd(Buffer.concat([body, Buffer.alloc(1024)]))).toEqual(body);
    expect(() => withoutEnd(Buffer.concat([body, Buffer.alloc(1024, 1)]))).toThrow(/not a tar/);
    expect(() => withoutEnd(Buffer.alloc(100))).toThrow(/not a tar/);
  });
});
