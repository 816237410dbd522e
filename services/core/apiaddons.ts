// The wire shapes of add-ons (issue 20: POST /apps/:app/addons, GET /addons,
// attachments), apart from api.ts (which re-exports them). Types only.

/** An app the add-on is attached to, under which alias, with the config vars it set there. */
export interface AddonAttachmentView {
  app: string;
  /** The alias: its config var is `<name>_URL`. */
  name: string;
  config_vars: string[];
}

/**
 * What runs: `provisioning` (no host yet, or no room), `starting` (assigned, not answering yet), `up`, `crashed`
 * (restarting, with backoff), `unreachable` (its host is down; it stays there: its data is on that host).
 */
export type AddonStateView = 'provisioning' | 'starting' | 'up' | 'crashed' | 'unreachable';

export interface AddonView {
  id: string;
  name: string;
  kind: string;
  plan: string;
  /** The app that owns it (it goes when that app does). */
  app: string;
  memory_mb: number;
  cpu_shares: number;
  state: AddonStateView;
  host: string | null;
  restarts: number;
  created_at: string;
  attachments: AddonAttachmentView[];
}

/** POST /apps/:app/addons. */
export interface AddonCreateRequest {
  kind: string;
  plan?: string;
  /** The attachment's alias (its config var `<as>_URL`); absent: the add-on's name in capitals. */
  as?: string;
}

/** POST /addons/:addon/attachments. */
export interface AddonAttachRequest {
  app: string;
  as?: string;
}

/** What a create, attach, detach or destroy answers: the add-on, and the releases it made (one per app changed). */
export interface AddonChangeView {
  addon: AddonView;
  releases: { app: string; version: number }[];
}
