import { appendFile, rename, truncate, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessLogTail, type AccessRecord } from '../../../services/router/access.js';
import { tempDir } from './helpers.js';

// AccessLogTail on a real file: appended lines, a line written in two parts,
// truncation and replacement (rotation).

const line = (id: string) => `${JSON.stringify({ at: '1764000000.5', app: 'shop', status: '200', request_id: id })}\n`;

describe('AccessLogTail', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => (tmp = await tempDir('router-tail')));
  afterAll(async () => tmp?.remove());

  it('follows appends, waits for the end of a line, and starts over on truncation or a new file', async () => {
    const path = `${tmp.dir}/access.log`;
    await writeFile(path, line('old'));
    const ids: string[] = [];
    const tail = new AccessLogTail(path, { fromEnd: true, onRecord: (r: AccessRecord) => ids.push(r.requestId) });
    await tail.poll();
    expect(ids).toEqual([]); // fromEnd: what was there before is skipped

    await appendFile(path, `${line('a')}not json\n${line('b').slice(0, 20)}`);
    await tail.poll();
    expect(ids).toEqual(['a']);
    await appendFile(path, line('b').slice(20));
    await tail.poll();
    expect(ids).toEqual(['a', 'b']);

    await truncate(path, 0);
    await appendFile(path, line('c'));
    await tail.poll();
    expect(ids).toEqual(['a', 'b', 'c']);

    await rename(path, `${path}.1`);
    await writeFile(path, line('d') + line('e'));
    await tail.poll();
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    await tail.stop();
  });

  it('waits for a file that does not exist yet, then reads it from its start', async () => {
    const path = `${tmp.dir}/later.log`;
    const ids: string[] = [];
    const tail = new AccessLogTail(path, { onRecord: (r) => ids.push(r.requestId) });
    await tail.poll();
    await writeFile(path, line('x'));
    await tail.poll();
    expect(ids).toEqual(['x']);
    await tail.stop();
  });
});
