// The Docker steps of a build, behind a small interface: run the build
// container, fetch a buildpack in a container of its own, and commit the slug
// onto the run stack as the app image. dockerode.ts is the real one; tests
// and build.ts see only this.

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface BuildContainerSpec {
  name: string;
  image: string;
  cmd: string[];
  env: string[];
  mounts: Mount[];
  memoryMb: number;
  /** CPUs (0 or absent: no limit), process limit (default 2048), seconds before the build is killed (absent: none). */
  cpus?: number;
  pidsLimit?: number;
  timeoutS?: number;
  /**
   * The container's writable layer (core/layerdisk.ts) and, for the message, the app's cache limit; absent: unbounded.
   */
  diskMb?: number;
  cacheMb?: number;
  labels: Record<string, string>;
  /** The app's uid/gid it runs as (core/uids.ts; default the stack's app user, 1000). */
  uid?: number;
  onLine: (line: string) => void;
  signal: AbortSignal;
}

export interface AppImageSpec {
  runImage: string;
  slugDir: string;
  repo: string;
  tag: string;
  labels: Record<string, string>;
  /** The app's uid/gid (core/uids.ts; default 1000): owns /app and is the `app` user of the image. */
  uid?: number;
}

export interface BuildDocker {
  /**
   * Runs the container to its end, streaming its output lines; resolves with its exit status. Throws LimitExceeded when
   * a limit stopped it.
   */
  runBuild(spec: BuildContainerSpec): Promise<number>;
  /**
   * Makes `repo:tag` from the run stack with slugDir's files at /app owned by the app's uid, which is `app`'s in its
   * /etc/passwd.
   */
  makeAppImage(spec: AppImageSpec): Promise<string>;
  imageExists(ref: string): Promise<boolean>;
  /**
   * Fetches an http(s) buildpack into `into` from inside a container (fetchscript.ts); throws FetchError with the
   * reason.
   */
  fetchBuildpack(spec: BuildpackFetchSpec, into: string): Promise<void>;
}

export interface BuildpackFetchSpec {
  image: string;
  kind: 'git' | 'tarball';
  url: string;
  ref?: string | undefined;
  timeoutMs: number;
  maxBytes: number;
  labels: Record<string, string>;
  signal: AbortSignal;
}

export const APP_UID = 1000;
