// The wire shapes of an app's activity feed (GET /apps/:app/activity), apart
// from api.ts (which re-exports them) to keep that file small. Types only: the
// CLI and the dashboard import them.

export type ActivityKind = 'build' | 'release' | 'scale' | 'restart' | 'policy' | 'maintenance' | 'domain';

/** One entry of GET /apps/:app/activity, newest first. */
export interface ActivityView {
  id: string;
  /** ISO time. */
  at: string;
  kind: ActivityKind;
  /** Who did it; null when unknown (the user is gone, or the platform did it). */
  user: { email: string | null };
  /** "Deploy 3f2a1c0", "Set FOO config vars", "Scaled web to 2:standard-1x", "Restarted all dynos". */
  description: string;
  release?: { version: number };
  build?: { id: string; status: string };
}
