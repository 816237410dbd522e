// The pages nginx answers itself, for a person reading them in a browser:
// unknown host, no running web process, an app still waking (or too many
// requests waiting for apps that wake), maintenance, and the app failing or
// timing out. Each is short HTML that names the request id (the same one the
// app saw and the access log holds), so a user can quote it.
//
// They sit inside a double-quoted nginx string (`return <status> "<page>"`):
// constant text without quotes, backslashes, dollars, braces or semicolons
// (checked by the unit tests); the request id is nginx's own variable.

export interface Page {
  status: number;
  title: string;
  text: string;
}

export const PAGES = {
  noSuchApp: {
    status: 404,
    title: 'No such app',
    text: 'There is no app at this address. Check the address, or the custom domains of the app.',
  },
  noWeb: {
    status: 503,
    title: 'Application unavailable',
    text: 'This app has no web process running right now. If it is yours, check paas ps and paas logs.',
  },
  starting: {
    status: 503,
    title: 'Application is starting',
    text: 'This app was asleep and is starting up. Please try again in a few seconds.',
  },
  maintenance: {
    status: 503,
    title: 'Offline for maintenance',
    text: 'This app is undergoing maintenance right now. Please check back soon.',
  },
  badGateway: {
    status: 502,
    title: 'Application error',
    text: 'The app closed the connection or sent an invalid answer. If it is yours, check paas logs.',
  },
  timeout: { status: 504, title: 'Request timeout', text: 'The app did not start answering within 30 seconds.' },
  tooLarge: {
    status: 413,
    title: 'Request too large',
    text: 'The body of this request is larger than the router accepts.',
  },
} as const satisfies Record<string, Page>;

export type PageName = keyof typeof PAGES;

/** The nginx variable holding the request id (see render.ts). */
export const REQUEST_ID_VAR = '$paas_request_id';

/** The page as it goes between the quotes of an nginx `return`: its constant text plus the request id variable. */
export function pageHtml(page: Page): string {
  return (
    `<!DOCTYPE html><html><head><meta charset=utf-8><meta name=viewport content='width=device-width'><title>${page.title}</title></head>` +
    `<body><h1>${page.title}</h1><p>${page.text}</p><p><small>Request ID: ${REQUEST_ID_VAR}</small></p></body></html>`
  );
}

/** The constant part of a page may not close or escape the nginx string, nor add a variable. */
export function isSafeText(s: string): boolean {
  return !/["\\$;{}\n\r]/.test(s);
}
