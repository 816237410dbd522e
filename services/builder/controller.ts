import { apiFetch } from '../core/apiurls.js';
import type { LogSessionRequest } from '../core/logs.js';
import type { HealthCheck, ProcessTypes, Release } from '../core/types.js';

// The controller's /internal API, as the builder uses it.

export interface Pusher {
  id: string;
  email: string;
}

export type AuthorizeResult = { ok: true; user: Pusher } | { ok: false; status: number; message: string };

export interface AppInfo {
  app: unknown;
  release: Release | null;
  /** The release the router sends traffic to (0: none yet). */
  serving_release: number;
  /** The latest release's status (pending, succeeded, failed) and why it failed; absent from older controllers. */
  release_status?: { version: number; status: string; failure: string | null } | null;
  web_url: string;
  git_url: string;
  /** Bumped by builds:cache:clear; the cache is emptied when it differs from the last one seen. */
  build_cache_generation?: number;
  /** The app's own buildpack list (paas buildpacks:set); empty or absent: detect. */
  buildpacks?: string[];
}

export interface NewRelease {
  image: string;
  processTypes: ProcessTypes;
  commit: string;
  buildId: string;
  description: string;
  user: string;
  /** bin/release's config_vars: set only where the app has no such config var. */
  configDefaults?: Record<string, string>;
  /** app.json's web startup check. */
  healthcheck?: HealthCheck;
}

export interface Controller {
  authorize(fingerprint: string, app?: string): Promise<AuthorizeResult>;
  getApp(app: string): Promise<AppInfo>;
  createRelease(app: string, release: NewRelease): Promise<{ release: Release; web_url: string }>;
  /** A log session of the app (POST /internal/apps/:app/log-sessions): the URL that streams its lines (logplex_url). */
  openLogSession(app: string, request: LogSessionRequest): Promise<string>;
}

export class ControllerError extends Error {
  override name = 'ControllerError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class ControllerClient implements Controller {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs = 30_000,
  ) {}

  async authorize(fingerprint: string, app?: string): Promise<AuthorizeResult> {
    const res = await this.call(
      'POST',
      '/internal/authorize',
      app === undefined ? { fingerprint } : { fingerprint, app },
    );
    if (res.status === 200) return { ok: true, user: ((await res.json()) as { user: Pusher }).user };
    if (res.status === 403 || res.status === 404)
      return { ok: false, status: res.status, message: await messageOf(res) };
    throw new ControllerError(res.status, `authorize: ${await messageOf(res)}`);
  }

  async getApp(app: string): Promise<AppInfo> {
    const res = await this.call('GET', `/internal/apps/${encodeURIComponent(app)}`);
    if (res.status !== 200) throw new ControllerError(res.status, `Could not read the app: ${await messageOf(res)}`);
    return (await res.json()) as AppInfo;
  }

  async createRelease(app: string, release: NewRelease): Promise<{ release: Release; web_url: string }> {
    const res = await this.call('POST', `/internal/apps/${encodeURIComponent(app)}/releases`, release);
    if (res.status !== 201 && res.status !== 200)
      throw new ControllerError(res.status, `Could not create the release: ${await messageOf(res)}`);
    return (await res.json()) as { release: Release; web_url: string };
  }

  async openLogSession(app: string, request: LogSessionRequest): Promise<string> {
    const res = await this.call('POST', `/internal/apps/${encodeURIComponent(app)}/log-sessions`, request);
    if (res.status !== 201)
      throw new ControllerError(res.status, `Could not open a log session: ${await messageOf(res)}`);
    return ((await res.json()) as { logplex_url: string }).logplex_url;
  }

  private call(method: string, path: string, body?: unknown): Promise<Response> {
    return apiFetch(this.baseUrl, path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }
}

async function messageOf(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const j = JSON.parse(text) as { message?: unknown };
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || `HTTP ${res.status}`;
}
