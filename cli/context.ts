// What every command works with: the environment, where it runs, and how it
// talks to the person. main.ts builds the real one; tests build their own.

export interface Ctx {
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  /** Prints a line (or lines) on stdout. */
  out(text: string): void;
  /** Prints a line (or lines) on stderr. */
  err(text: string): void;
  /** Asks the person for one line of input (on stdin that is not a terminal: its next line). */
  readLine(prompt: string): Promise<string>;
  /** Asks the person at a terminal for a line without echoing it (a password); absent when stdin is no terminal. */
  readSecret?(prompt: string): Promise<string>;
  fetch: typeof fetch;
}

/**
 * Ends the command with this exit status and no further message: what it had
 * to say is printed already (say, `paas status` with a process down).
 */
export class ExitStatus extends Error {
  override name = 'ExitStatus';
  constructor(readonly code: number) {
    super(`exit status ${code}`);
  }
}

/** A failure to show the person as `paas: <message>`, exit status 1. */
export class CliError extends Error {
  override name = 'CliError';
}
