import { describe, expect, it } from 'vitest';
import { loadOutcome, serverOrder, SingleFlight, tagParts } from '../../../services/agent/images.js';
import { imagePath, imageRefOf, isImageRef } from '../../../services/core/imageservers.js';

const ID = `sha256:${'a1'.repeat(32)}`;

describe('image references on the wire (core/imageservers.ts)', () => {
  it('round-trips tags, ids and registry names through the request path', () => {
    for (const ref of [
      'paas/app-web:20261207-194854-270536',
      ID,
      'paas/stack-run:latest',
      'localhost:5000/x/y:1',
      'busybox',
    ])
      expect(imageRefOf(imagePath(ref))).toBe(ref);
    expect(imagePath('paas/app-web:1')).toBe('/images/paas%2Fapp-web%3A1');
  });

  it('refuses paths and names that are not one image reference', () => {
    expect(imageRefOf('/images/')).toBeUndefined();
    expect(imageRefOf('/other/paas%2Fapp')).toBeUndefined();
    expect(imageRefOf('/images/a/b')).toBeUndefined(); // unencoded slash: not ours
    expect(imageRefOf('/images/%E0%A4%A')).toBeUndefined(); // bad escape
    for (const bad of ['-rf', 'Paas/App', 'a b', '../etc', 'a:b:c', '', 'x'.repeat(256)])
      expect(isImageRef(bad)).toBe(false);
    expect(imageRefOf('/images/paas%2Fapp%3A1?x=1')).toBe('paas/app:1');
  });
});

describe('the agent fetching images (agent/images.ts)', () => {
  it("reads docker load's answer: what it loaded, or its error", () => {
    expect(loadOutcome('{"stream":"Loaded image: paas/app-web:1\\n"}\n')).toEqual({ loaded: ['paas/app-web:1'] });
    expect(loadOutcome(`{"stream":"Loaded image ID: ${ID}\\n"}`)).toEqual({ loaded: [ID] });
    expect(loadOutcome('{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}\nnot json')).toEqual({
      loaded: [],
      error: 'unexpected EOF',
    });
  });

  it('splits a tag reference, and leaves ids and digests alone', () => {
    expect(tagParts('paas/app-web:20261207-1')).toEqual({ repo: 'paas/app-web', tag: '20261207-1' });
    expect(tagParts('localhost:5000/app')).toEqual({ repo: 'localhost:5000/app', tag: 'latest' });
    expect(tagParts('busybox')).toEqual({ repo: 'busybox', tag: 'latest' });
    expect(tagParts(ID)).toBeUndefined();
    expect(tagParts(`busybox@sha256:${'b'.repeat(64)}`)).toBeUndefined();
  });

  it('tries the builder that last answered first, then the others by name', () => {
    const s = (name: string) => ({ name, url: `http://${name}`, startedAt: '' });
    expect(serverOrder([s('c'), s('a'), s('b')]).map((x) => x.name)).toEqual(['a', 'b', 'c']);
    expect(serverOrder([s('c'), s('a'), s('b')], 'c').map((x) => x.name)).toEqual(['c', 'a', 'b']);
    expect(serverOrder([s('a')], 'gone').map((x) => x.name)).toEqual(['a']);
  });

  it('runs one fetch per image however many ask at once, and a new one after it ends', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const work = async () => {
      runs += 1;
      await gate;
      return runs;
    };
    const asks = [flights.run('img', work), flights.run('img', work), flights.run('img', work)];
    const other = flights.run('other', async () => 7);
    expect(flights.size()).toBe(2);
    release();
    expect(await Promise.all(asks)).toEqual([1, 1, 1]); // one run of img for the three asks
    expect(await other).toBe(7);
    expect(flights.size()).toBe(0);
    expect(await flights.run('img', async () => 9)).toBe(9);
  });

  it('forgets a failed fetch, so the next ask tries again', async () => {
    const flights = new SingleFlight<string>();
    await expect(flights.run('img', () => Promise.reject(new Error('stream broke')))).rejects.toThrow('stream broke');
    expect(await flights.run('img', async () => 'ok')).toBe('ok');
  });
});
