// GET /internal/apps, the controller's inventory of what exists (its
// controller/internal/inventory.ts answers it): what the builder's clean-up
// and a host agent's image clean-up read before they remove anything. Pure.

export interface InventoryEntry {
  name: string;
  /** Every image a release of the app names (after a rename, images built under the old name). */
  images: string[];
  /** The image of each release with one, newest first (absent from an older controller: every image is kept). */
  releases?: Array<{ version: number; image: string }>;
}

/** A well-formed inventory, or undefined (then nothing is removed). */
export function parseInventory(body: unknown): InventoryEntry[] | undefined {
  if (!Array.isArray(body)) return undefined;
  const out: InventoryEntry[] = [];
  for (const e of body as unknown[]) {
    if (typeof e !== 'object' || e === null) return undefined;
    const { name, images, releases } = e as { name?: unknown; images?: unknown; releases?: unknown };
    if (typeof name !== 'string' || !Array.isArray(images) || !images.every((i) => typeof i === 'string'))
      return undefined;
    if (releases === undefined) {
      out.push({ name, images: images as string[] });
      continue;
    }
    if (!Array.isArray(releases)) return undefined;
    const rs = releases as Array<{ version?: unknown; image?: unknown }>;
    if (
      !rs.every(
        (r) => typeof r === 'object' && r !== null && typeof r.version === 'number' && typeof r.image === 'string',
      )
    )
      return undefined;
    out.push({ name, images: images as string[], releases: rs as Array<{ version: number; image: string }> });
  }
  return out;
}
