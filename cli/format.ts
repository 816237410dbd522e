// Plain-text output for people: aligned tables and "Key: value" blocks.

/** Rows as columns aligned with two spaces; the header (if any) is followed by a rule. */
export function table(rows: readonly (readonly string[])[], header?: readonly string[]): string {
  const all = header ? [header, ...rows] : [...rows];
  if (all.length === 0) return '';
  const cols = Math.max(...all.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    widths
      .map((w, i) => (r[i] ?? '').padEnd(w))
      .join('  ')
      .trimEnd();
  const lines = all.map(line);
  if (header) lines.splice(1, 0, widths.map((w) => '─'.repeat(w)).join('  '));
  return lines.join('\n');
}

/** "Key:  value" lines with the values aligned. */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length + 1));
  return pairs.map(([k, v]) => `${(k + ':').padEnd(w)}  ${v}`.trimEnd()).join('\n');
}

/** "2024-05-01T10:20:30.123Z" -> "2024/05/01 10:20:30 UTC"; other text as it is. */
export function formatDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso);
  return m ? `${m[1]}/${m[2]}/${m[3]} ${m[4]} UTC` : iso;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** A deploy history (builds, releases): `=== <app> <Title>` over its table, or how to make the first. */
export function historyText<T>(
  app: string,
  title: string,
  items: readonly T[],
  render: (items: readonly T[]) => string,
): string {
  if (items.length === 0) return `${app} has no ${title.toLowerCase()} yet. Deploy with: git push paas main`;
  return `=== ${app} ${title}\n${render(items)}`;
}
