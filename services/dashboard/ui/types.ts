// The shapes the UI reads besides services/core/api.ts's: the dashboard's own
// /session, and the app's state as the UI shows it.

import type { AppInfo } from '../../core/api.js';

export type { ActivityView } from '../../core/api.js';

/** GET and POST /session (the dashboard service). */
export interface Session {
  email: string;
  admin: boolean;
  csrf: string;
  expires_at: string;
}

export type AppState = AppInfo['state'];

/** An app of GET /apps (an older API answers without its state). */
export type AppSummary = Omit<AppInfo, 'state'> & { state?: AppState };

/** The app's state: the API's, or what its route state and release tell when the API gives none. */
export function stateOf(app: AppSummary): AppState {
  if (app.state) return app.state;
  if (app.dyno_state === 'sleeping') return 'sleeping';
  if (app.dyno_state === 'crashed') return 'crashed';
  return app.release ? 'running' : 'idle';
}
