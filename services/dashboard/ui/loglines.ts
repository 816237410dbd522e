// A log session's lines in their parts, for the Logs tab; pure.

import { plain } from './text.js';

export interface Line {
  n: number;
  at: string;
  source: string;
  text: string;
}

/** "2024-05-01T10:00:00.000000+00:00 app[web.1]: text" (or "... router: text") in its parts; else all text. */
export function parseLine(n: number, raw: string): Line {
  const line = plain(raw);
  const m = /^(\d\S+) ([a-z]+(?:\[[^\]]*\])?): ?(.*)$/.exec(line);
  return m ? { n, at: m[1] ?? '', source: m[2] ?? '', text: m[3] ?? '' } : { n, at: '', source: '', text: line };
}
