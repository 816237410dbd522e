// Runs fn over items with at most `limit` at once, in the items' order, and
// resolves once all have settled; a rejection is passed to onError and does
// not stop the others. Pure of any I/O of its own.

export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  onError: (err: unknown, item: T) => void,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        onError(err, item);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}
