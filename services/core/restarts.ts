import { dynoName } from './ids.js';

// Restarts: the controller bumps a restart generation per app (stored at
// keys.restart(app)); the scheduler replaces, blue-green, every container
// whose generation is older than the one that applies to it. Pure.

/**
 * Stored under /restarts/<app>. `generation` only grows; each restart takes
 * the next value and records it where it applies: to all containers (`all`),
 * to one process type (`types`) or to one dyno (`dynos`, "web.1").
 */
export interface RestartRecord {
  generation: number;
  all: number;
  types: Record<string, number>;
  dynos: Record<string, number>;
}

/** What to restart: everything, one process type, or one dyno (type and index). */
export type RestartTarget =
  { kind: 'all' } | { kind: 'type'; type: string } | { kind: 'dyno'; type: string; index: number };

export const NO_RESTARTS: RestartRecord = { generation: 0, all: 0, types: {}, dynos: {} };

/** The record after one more restart of `target`. Entries a wider restart supersedes are dropped, so it stays small. */
export function bumpRestart(prev: RestartRecord | undefined, target: RestartTarget): RestartRecord {
  const cur = prev ?? NO_RESTARTS;
  const generation = cur.generation + 1;
  if (target.kind === 'all') return { generation, all: generation, types: {}, dynos: {} };
  if (target.kind === 'type') {
    const dynos = Object.fromEntries(Object.entries(cur.dynos).filter(([name]) => !name.startsWith(`${target.type}.`)));
    return { generation, all: cur.all, types: { ...cur.types, [target.type]: generation }, dynos };
  }
  return {
    generation,
    all: cur.all,
    types: { ...cur.types },
    dynos: { ...cur.dynos, [dynoName(target.type, target.index)]: generation },
  };
}

/** The restart generation that applies to dyno `<type>.<index>`: the latest restart that covered it, 0 if none. */
export function generationOf(record: RestartRecord | undefined, type: string, index: number): number {
  if (!record) return 0;
  return Math.max(record.all ?? 0, record.types?.[type] ?? 0, record.dynos?.[dynoName(type, index)] ?? 0);
}
