import type { Store } from '../../core/store.js';
import type { App, Release } from '../../core/types.js';
import type { InventoryEntry } from '../../core/inventory.js';

// GET /internal/apps: what exists, for the builder's clean-up of the
// repositories and images of destroyed (or renamed) apps.

export async function appInventory(store: Store): Promise<InventoryEntry[]> {
  const [apps, releases] = await Promise.all([
    store.list<App>(store.keys.apps()),
    store.list<Release>(`${store.keys.prefix}/releases/`),
  ]);
  const images = new Map<string, Set<string>>(apps.map((a) => [a.name, new Set<string>()]));
  const byApp = new Map<string, Array<{ version: number; image: string }>>();
  for (const r of releases) {
    if (!r.image) continue;
    images.get(r.app)?.add(r.image);
    byApp.set(r.app, [...(byApp.get(r.app) ?? []), { version: r.version, image: r.image }]);
  }
  return apps.map((a) => ({
    name: a.name,
    images: [...(images.get(a.name) ?? [])].sort(),
    releases: (byApp.get(a.name) ?? []).sort((x, y) => y.version - x.version),
  }));
}
