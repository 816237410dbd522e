// The hook <-> builder protocol over the unix socket (HTTP/1.1):
//   POST /builds, headers x-paas-push (the per-push token the builder handed
//   receive-pack), x-paas-commit, x-paas-ref; body = `git archive` tar.
//   Response 200 text/plain: build output lines, then one final control line
//   RESULT_PREFIX + "ok" or "failed". The hook succeeds only when it has seen
//   the "ok" line and the response ended cleanly; a cut connection, a missing
//   result line or anything after it counts as a failure.

export const BUILDS_PATH = '/builds';
export const HEADER_PUSH = 'x-paas-push';
export const HEADER_COMMIT = 'x-paas-commit';
export const HEADER_REF = 'x-paas-ref';

/**
 * NUL never appears in forwarded output (output.ts sanitizeLine strips it), so this line cannot be forged by a build.
 */
export const RESULT_PREFIX = '\u0000paas-result:';

export type BuildResult = 'ok' | 'failed';

export function resultLine(result: BuildResult): string {
  return `${RESULT_PREFIX}${result}\n`;
}

/**
 * Incremental reader for the hook side: feed chunks, get the text to show the
 * pusher; `finish()` says whether the build succeeded.
 */
export class ResultReader {
  private buf = '';
  private result: BuildResult | undefined;
  private trailing = false;

  push(chunk: string): string {
    this.buf += chunk;
    let shown = '';
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (this.result !== undefined) this.trailing = true;
      if (line.startsWith(RESULT_PREFIX)) {
        const r = line.slice(RESULT_PREFIX.length);
        this.result = r === 'ok' ? 'ok' : 'failed';
      } else {
        shown += line + '\n';
      }
    }
    return shown;
  }

  /** Called when the response ended cleanly. */
  finish(): BuildResult {
    if (this.buf !== '' || this.trailing) return 'failed';
    return this.result ?? 'failed';
  }

  /** Text left without a newline (shown to the pusher on failure). */
  rest(): string {
    return this.buf;
  }
}
