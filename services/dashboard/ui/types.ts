// The shapes the UI reads besides services/core/api.ts's: the dashboard's own
// /session, and the API's additions of issue 18 (AppInfo.state, the activity
// feed) as the dashboard contract fixes them, until they are in api.ts.

import type { AppInfo } from '../../core/api.js';

/** GET and POST /session (the dashboard service). */
export interface Session {
  email: string;
  admin: boolean;
  csrf: string;
  expires_at: string;
}

export type AppState = 'running' | 'sleeping' | 'crashed' | 'deploying' | 'idle';

/** AppInfo with its state (the API adds it; older APIs answer without it). */
export type AppSummary = AppInfo & { state?: AppState };

/** GET /apps/:app/activity, newest first. */
export interface ActivityView {
  id: string;
  at: string;
  kind: 'build' | 'release' | 'scale' | 'restart' | 'policy' | 'maintenance' | 'domain';
  user: { email: string | null };
  description: string;
  release?: { version: number };
  build?: { id: string; status: string };
}

/** The app's state: the API's, or what its route state and release tell when the API gives none. */
export function stateOf(app: AppSummary): AppState {
  if (app.state) return app.state;
  if (app.dyno_state === 'sleeping') return 'sleeping';
  if (app.dyno_state === 'crashed') return 'crashed';
  return app.release ? 'running' : 'idle';
}
