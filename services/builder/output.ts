// What the pusher sees, Heroku style: "-----> topic", "       detail",
// " !     error". Lines go to the hook's HTTP response.

export interface Output {
  line(text: string): void;
}

export const topic = (out: Output, text: string) => out.line(`-----> ${text}`);
export const info = (out: Output, text: string) => out.line(`       ${text}`);
export const warn = (out: Output, text: string) => out.line(` !     ${text}`);

/** Output lines from builds may contain anything; strip NULs and the carriage returns of progress bars. */
export function sanitizeLine(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\u0000/g, '').replace(/\r$/, '');
}
