import { describe, expect, it } from 'vitest';
import { mkfsArgs, mountPoints, strayImages } from '../../../services/core/layerdisk.js';

describe('layer disks', () => {
  it('makes an ext4 filesystem without a journal, holding the layer folder', () => {
    const args = mkfsArgs('/d/abc.img', '/var/lib/docker/overlay2/abc');
    expect(args).toEqual(
      expect.arrayContaining(['-t', 'ext4', '-O', '^has_journal', '-d', '/var/lib/docker/overlay2/abc']),
    );
    expect(args.at(-1)).toBe('/d/abc.img');
  });

  it('reads mount points from mountinfo, escapes undone', () => {
    const info = [
      '45 27 254:0 /var/lib/docker /var/lib/docker rw,relatime shared:1 - ext4 /dev/vda rw',
      '99 45 7:0 / /var/lib/docker/overlay2/abc rw,nosuid,nodev - ext4 /dev/loop0 rw',
      '100 27 0:50 / /mnt/with\\040space rw - tmpfs tmpfs rw',
      '',
    ].join('\n');
    expect([...mountPoints(info)]).toEqual(['/var/lib/docker', '/var/lib/docker/overlay2/abc', '/mnt/with space']);
  });

  it('finds the files of containers that are gone, and only image files', () => {
    expect(strayImages(['aaa.img', 'bbb.img', 'notes.txt', 'ccc.img.tmp'], new Set(['aaa']))).toEqual(['bbb.img']);
  });
});
