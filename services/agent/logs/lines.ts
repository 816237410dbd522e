// Docker's log and event streams, read line by line. Pure, but for ended().

/** Docker's RFC3339Nano with the fraction padded to 9 digits, so timestamps compare as strings. */
export function normNano(ts: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : '';
}

/**
 * Docker's json-file follow hands some lines again when the file rotates
 * (measured with 20.10: 841 repeats in 486,500 lines, their timestamps going
 * back). Within one stream Docker's timestamps never go back, so a line older
 * than the newest taken, or one already taken at that same time, is a
 * repeat. Pure.
 */
export class StreamOrder {
  private last = '';
  private readonly atLast = new Set<string>();

  /** Whether the line (normalised timestamp, text) is new on this stream; remembers it. */
  fresh(ts: string, text: string): boolean {
    if (ts < this.last) return false;
    if (ts > this.last) {
      this.last = ts;
      this.atLast.clear();
    }
    if (this.atLast.has(text)) return false;
    this.atLast.add(text);
    return true;
  }
}

/** `since` for Docker's log API: seconds.nanoseconds of a normalised timestamp. */
export function sinceOf(cursor: string): string {
  if (!cursor) return '0';
  const secs = Math.floor(Date.parse(cursor.replace(/\.\d+Z$/, 'Z')) / 1000);
  return `${secs}.${cursor.slice(20, 29)}`;
}

/**
 * Calls onLine for each complete line of the chunks it is given (a partial line waits for the rest; one over 64 KiB is
 * cut).
 */
export function lineReader(onLine: (line: string) => void): (chunk: Buffer) => void {
  let rest = '';
  return (chunk) => {
    const text = rest + chunk.toString('utf8');
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    if (rest.length > 64 * 1024) {
      parts.push(rest);
      rest = '';
    }
    for (const p of parts) if (p !== '') onLine(p);
  };
}

/** Resolves when the stream ends, closes or fails. */
export function ended(s: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    s.on('end', resolve);
    s.on('close', resolve);
    s.on('error', () => resolve());
  });
}
