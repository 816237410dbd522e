// One order for strings everywhere: by UTF-16 code unit, as etcd orders keys
// and Array.prototype.sort does by default (never by locale, which differs
// between machines and puts "B" after "a").

/** Negative, zero or positive as a sorts before, with or after b. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A comparator of items by a string key: `list.sort(by((x) => x.name))`. */
export function by<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => compareStrings(key(a), key(b));
}

/** Entries of a record sorted by key. */
export function sortedEntries<V>(record: Readonly<Record<string, V>>): [string, V][] {
  return Object.entries(record).sort(([a], [b]) => compareStrings(a, b));
}

/** Same length and the same items in the same order (===). */
export function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
