import { startAddons, type AddonRunner } from '../../../services/agent/addons/runner.js';
import { addonNetworkName, addonVolumeName } from '../../../services/agent/addons/spec.js';
import type { AddonAssignment } from '../../../services/core/addons.js';
import type { Store } from '../../../services/core/store.js';
import { docker, log } from './support.js';

// What the add-on runner's integration tests share: the add-on image, a
// runner over the real etcd and Docker, a command run in a container, and
// everything an add-on left removed.

export const ADDON_IMAGE = process.env.PAAS_ADDON_IMAGE ?? 'paas/addon:latest';

export function startRunner(store: Store, cluster: string, hostId: string): Promise<AddonRunner> {
  return startAddons({
    store,
    docker,
    log,
    ctx: { cluster, hostId, image: ADDON_IMAGE, pidsLimit: 256 },
    leaseTtlSeconds: 5,
    resyncMs: 1000,
    stopGraceSeconds: 5,
    volumeGraceMs: 3_600_000,
  });
}

/** Runs cmd in the container: its exit code and its output (the multiplexed stream's 8-byte frame headers dropped). */
export async function execIn(container: string, cmd: string[]): Promise<{ code: number; out: string }> {
  const e = await docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await e.start({});
  const chunks: Buffer[] = [];
  stream.on('data', (b: Buffer) => chunks.push(b));
  await new Promise((resolve) => stream.on('end', resolve));
  const code = (await e.inspect()).ExitCode ?? -1;
  const all = Buffer.concat(chunks);
  const out: string[] = [];
  for (let i = 0; i + 8 <= all.length; i += 8 + all.readUInt32BE(i + 4))
    out.push(all.subarray(i + 8, i + 8 + all.readUInt32BE(i + 4)).toString());
  return { code, out: out.join('').trim() };
}

/** The add-on's containers (of the cluster), its network and its volume removed; what is already gone is fine. */
export async function removeAddon(cluster: string, assignment: AddonAssignment): Promise<void> {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`paas.addon.cluster=${cluster}`] } }))
    await docker.getContainer(c.Id).remove({ force: true });
  await docker
    .getNetwork(addonNetworkName(cluster, assignment.name))
    .remove()
    .catch(() => undefined);
  await docker
    .getVolume(addonVolumeName(cluster, assignment))
    .remove()
    .catch(() => undefined);
}
