// Config vars as text: for people (config) and for a shell (config -s); releases:info shows them too.

import type { ConfigVars } from '../../../services/core/api.js';

/** "KEY: value" lines, values aligned one space after the longest key, as Heroku prints them. */
export function configLines(config: Readonly<ConfigVars>): string {
  const keys = Object.keys(config);
  const w = Math.max(0, ...keys.map((k) => k.length + 1));
  return keys.map((k) => `${(k + ':').padEnd(w)} ${config[k]}`).join('\n');
}

/** A value as one shell word: bare when it is plainly safe, else single-quoted. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** KEY=value lines a shell (or a .env reader) can take back. */
export function shellLines(config: Readonly<ConfigVars>): string {
  return Object.keys(config)
    .map((k) => `${k}=${shellQuote(config[k] ?? '')}`)
    .join('\n');
}
