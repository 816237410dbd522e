import { Writable } from 'node:stream';
import { sanitizeLine } from './push/protocol.js';

// What the pusher sees, Heroku style: "-----> topic", "       detail",
// " !     error". Lines go to the hook's HTTP response.

export interface Output {
  line(text: string): void;
}

export const topic = (out: Output, text: string) => out.line(`-----> ${text}`);
export const info = (out: Output, text: string) => out.line(`       ${text}`);
export const warn = (out: Output, text: string) => out.line(` !     ${text}`);

/** A writable that calls onLine for every complete line, and the rest at the end. */
export function lineWriter(onLine: (line: string) => void): Writable {
  let buf = '';
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      buf += chunk.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(sanitizeLine(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
      done();
    },
    final(done) {
      if (buf !== '') onLine(sanitizeLine(buf));
      buf = '';
      done();
    },
  });
}
