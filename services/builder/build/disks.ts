import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, isMountPoint, mountFs, mountNewFs, mountPoints, unmountFs } from '../../core/layerdisk.js';

// Bounded disk for builds (core/layerdisk.ts has the filesystems): a build's
// folder (the source at app/, env/, out/) is a filesystem of buildMb made for
// the build and deleted after it; an app's build cache is a filesystem of
// cacheMb of its own, kept between builds as <dir>/cache-<app>.img and
// mounted at $STATE/cache/<app> only while one of its builds runs (builds of
// one app never overlap: queue.ts). The build container's own writable layer
// is bounded too (buildcontainer.ts, with buildMb). A build that fills one of them
// fails with ENOSPC inside, and the host's disk is untouched.

export interface BuildDiskSettings {
  /** Where the filesystem images live ($STATE/build-disks). */
  dir: string;
  buildMb: number;
  cacheMb: number;
}

export class BuildDisks {
  constructor(readonly settings: BuildDiskSettings) {}

  private buildImage(id: string): string {
    return join(this.settings.dir, `build-${id}.img`);
  }

  private cacheImage(app: string): string {
    return join(this.settings.dir, `cache-${app}.img`);
  }

  /** Makes `dir` (the build's folder, not there yet) a filesystem of buildMb. */
  async mountBuild(id: string, dir: string): Promise<void> {
    await mkdir(this.settings.dir, { recursive: true, mode: 0o700 });
    await mkdir(dir, { recursive: true });
    await mountNewFs({ image: this.buildImage(id), sizeMb: this.settings.buildMb, at: dir });
  }

  /** Unmounts the build's folder and deletes its filesystem (the caller removes the folder). */
  unmountBuild(id: string, dir: string): Promise<void> {
    return unmountFs(dir, this.buildImage(id));
  }

  /**
   * Mounts the app's cache filesystem at cacheDir (made on the app's first
   * build with what the folder held, if that fits; else empty). Returns
   * 'reset' when an older cache was too big for the limit and was dropped.
   */
  async mountCache(app: string, cacheDir: string): Promise<'ok' | 'reset'> {
    await mkdir(cacheDir, { recursive: true });
    if (await isMountPoint(cacheDir)) return 'ok'; // left mounted by a builder that died mid-build
    const image = this.cacheImage(app);
    if (await exists(image)) {
      await mountFs(image, cacheDir);
      return 'ok';
    }
    await mkdir(this.settings.dir, { recursive: true, mode: 0o700 });
    const old = (await readdir(cacheDir)).length > 0;
    try {
      await mountNewFs({ image, sizeMb: this.settings.cacheMb, ...(old && { contents: cacheDir }), at: cacheDir });
      return 'ok';
    } catch (err) {
      if (!old) throw err;
      // The cache from before the limit does not fit in it: start it empty.
      for (const name of await readdir(cacheDir)) await rm(join(cacheDir, name), { recursive: true, force: true });
      await mountNewFs({ image, sizeMb: this.settings.cacheMb, at: cacheDir });
      return 'reset';
    }
  }

  unmountCache(cacheDir: string): Promise<void> {
    return unmountFs(cacheDir);
  }

  /**
   * At start: what a builder that died mid-build left: its mounts under the
   * builds and cache folders are unmounted, its builds' filesystems deleted
   * (the caches' are kept). Returns the folders unmounted.
   */
  async recover(buildsDir: string, cacheDir: string): Promise<string[]> {
    const left = [...mountPoints(await readFile('/proc/self/mountinfo', 'utf8'))].filter(
      (m) => m.startsWith(`${buildsDir}/`) || m.startsWith(`${cacheDir}/`),
    );
    for (const m of left) await unmountFs(m);
    const files = await readdir(this.settings.dir).catch(() => [] as string[]);
    for (const f of files) if (/^build-.*\.img$/.test(f)) await rm(join(this.settings.dir, f), { force: true });
    return left;
  }

  /** Deletes the cache filesystem of an app that is gone (cleanup.ts). */
  async removeCache(app: string, cacheDir: string): Promise<void> {
    await unmountFs(cacheDir, this.cacheImage(app));
  }
}
