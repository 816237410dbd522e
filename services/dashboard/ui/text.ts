// Text helpers; pure.

/** Terminal colour codes out of a line of build or log output. */
export function plain(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
}
