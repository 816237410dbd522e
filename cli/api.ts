import { ApiUrls } from '../services/core/apiurls.js';
import { CliError, type Ctx } from './context.js';
import { credentialsPath, effectiveCredentials, readCredentials } from './credentials.js';

// The controller's HTTP API, as the CLI calls it. Failures become CliError
// with the API's own message.

/** The message to show for a failed answer: the API's `message`, else the status. */
export function errorMessage(status: number, bodyText: string): string {
  try {
    const body = JSON.parse(bodyText) as { message?: unknown };
    if (typeof body.message === 'string' && body.message !== '') return body.message;
  } catch {
    // not JSON: fall through
  }
  return `The API answered ${status}${bodyText.trim() ? `: ${bodyText.trim().slice(0, 200)}` : ''}`;
}

export class ApiClient {
  /** The controllers of `base` (one URL, or several comma-separated: tried in turn, core/apiurls.ts). */
  readonly urls: ApiUrls;

  constructor(
    readonly base: string,
    private readonly token: string | undefined,
    private readonly fetchFn: typeof fetch = fetch,
  ) {
    this.urls = new ApiUrls(base);
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.exchange<T>(method, path, body)).body;
  }

  /** Like request, with the answer's headers (a config change names its release in Paas-Release-Version). */
  async exchange<T>(method: string, path: string, body?: unknown): Promise<{ body: T; headers: Headers }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.urls.fetch(path, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        fetchFn: this.fetchFn,
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `Could not reach the paas API at ${this.base} (${cause?.code ?? cause?.message ?? (err as Error).message})`,
      );
    }
    const text = await res.text();
    if (!res.ok) throw new CliError(errorMessage(res.status, text));
    if (res.status === 204) return { body: undefined as T, headers: res.headers };
    try {
      return { body: JSON.parse(text) as T, headers: res.headers };
    } catch {
      throw new CliError(`The API at ${this.base} answered with something that is not JSON`);
    }
  }
}

/** A client with the saved (or environment's) credentials; fails if not logged in. */
export async function apiClient(ctx: Ctx): Promise<ApiClient> {
  const { api, token } = effectiveCredentials(await readCredentials(credentialsPath(ctx.env, ctx.home)), ctx.env);
  if (!token) throw new CliError('Not logged in. Run `paas login` first.');
  return new ApiClient(api, token, ctx.fetch);
}

/** "/apps/" + the app name, escaped. */
export function appPath(app: string, rest = ''): string {
  return `/apps/${encodeURIComponent(app)}${rest}`;
}
