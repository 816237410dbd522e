import { CliError } from '../../context.js';

/** An email argument, trimmed; refused before any request when it cannot be one. */
export function emailArg(email: string): string {
  const e = email.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(e)) throw new CliError(`Not an email address: ${email}`);
  return e;
}
