import type Docker from 'dockerode';
import type { LayerDisks } from '../../core/layerdisk.js';
import { AppImages } from './appimage.js';
import { runBuildContainer } from './buildcontainer.js';
import type { AppImageSpec, BuildContainerSpec, BuildDocker, BuildpackFetchSpec } from './docker.js';
import { fetchInContainer } from './fetchcontainer.js';

// The build's Docker steps (docker.ts) on the real engine, through dockerode.

export class DockerodeBuilder implements BuildDocker {
  private readonly images: AppImages;

  /** `disks`: where build containers' layer filesystems are made (absent: unbounded). */
  constructor(
    private readonly docker: Docker,
    private readonly disks?: LayerDisks,
  ) {
    this.images = new AppImages(docker);
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch {
      return false;
    }
  }

  runBuild(spec: BuildContainerSpec): Promise<number> {
    return runBuildContainer(this.docker, spec, this.disks);
  }

  fetchBuildpack(spec: BuildpackFetchSpec, into: string): Promise<void> {
    return fetchInContainer(this.docker, spec, into, this.disks);
  }

  makeAppImage(spec: AppImageSpec): Promise<string> {
    return this.images.make(spec);
  }
}
