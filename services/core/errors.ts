// One error type with a stable string code; the HTTP layer maps codes to
// statuses once (controller/http.ts), the CLI prints the message as it is.

export type ErrorCode =
  | 'bad_request'
  | 'invalid_params'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'too_many_requests'
  | 'unavailable'
  | 'internal';

export const statusOf: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_params: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  unavailable: 503,
  internal: 500,
};

export class PaasError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PaasError';
  }
}

export const invalid = (message: string) => new PaasError('invalid_params', message);
export const notFound = (message: string) => new PaasError('not_found', message);
/** The 404 of an app that does not exist (or that the user may not see). */
export const noSuchApp = () => notFound(`Couldn't find that app.`);
export const conflict = (message: string) => new PaasError('conflict', message);
export const unauthorized = (message: string) => new PaasError('unauthorized', message);
export const forbidden = (message: string) => new PaasError('forbidden', message);

/** A 429: the HTTP layer sends Retry-After with it (controller/http.ts). */
export class TooManyRequests extends PaasError {
  constructor(
    message: string,
    /** Whole seconds until the request may be made again. */
    readonly retryAfterS: number,
  ) {
    super('too_many_requests', message);
  }
}
