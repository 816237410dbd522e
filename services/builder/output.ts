// What the pusher sees, Heroku style: "-----> topic", "       detail",
// " !     error". Lines go to the hook's HTTP response.

export interface Output {
  line(text: string): void;
  /**
   * A line relayed from the app's log (the release command's output, which
   * is there as app[release.1]): shown as line() shows it and kept in the
   * build's output, but not logged a second time as paas[build]. Absent: line().
   */
  relayed?(text: string): void;
}

export const topic = (out: Output, text: string) => out.line(`-----> ${text}`);
export const info = (out: Output, text: string) => out.line(`       ${text}`);
export const warn = (out: Output, text: string) => out.line(` !     ${text}`);
/** A line of the app's log, indented as info. */
export const relay = (out: Output, text: string) =>
  out.relayed ? out.relayed(`       ${text}`) : out.line(`       ${text}`);

/** Output lines from builds may contain anything; strip NULs and the carriage returns of progress bars. */
export function sanitizeLine(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\u0000/g, '').replace(/\r$/, '');
}
