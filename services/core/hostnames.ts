import { isIP } from 'node:net';
import { invalid } from './errors.js';

// Custom domains of apps: the one check used by the controller (on the way
// in) and by the router (again, before a name reaches nginx's config).

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const MAX_HOSTNAME = 253;

/** Why `hostname` (already lowercased) cannot be an app's custom domain, or undefined if it can. */
export function hostnameProblem(hostname: string, platformDomain: string): string | undefined {
  if (hostname.length === 0) return 'is empty';
  if (hostname.length > MAX_HOSTNAME) return `is longer than ${MAX_HOSTNAME} characters`;
  if (hostname.includes('*')) return 'is a wildcard, which is not supported';
  if (isIP(hostname) !== 0 || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0) return 'is an IP address, not a host name';
  const labels = hostname.split('.');
  if (labels.length < 2) return 'needs at least two labels (like example.com)';
  for (const label of labels) {
    if (label.length === 0) return 'has an empty label';
    if (label.length > 63) return 'has a label longer than 63 characters';
    if (!LABEL.test(label)) return 'may use only letters, digits and inner dashes in each dot-separated label';
  }
  if (/^\d+$/.test(labels[labels.length - 1] as string)) return 'ends in a numeric label';
  const own = platformDomain.toLowerCase();
  if (hostname === own || hostname.endsWith('.' + own))
    return `is under the platform's own domain ${own}, whose names are the apps' default names`;
  return undefined;
}

/** The lowercased hostname if it can be an app's custom domain; else 422 with the reason. Pure. */
export function parseHostname(input: unknown, platformDomain: string): string {
  if (typeof input !== 'string') throw invalid('hostname is required, e.g. {"hostname": "www.example.com"}');
  const hostname = input.trim().toLowerCase();
  const problem = hostnameProblem(hostname, platformDomain);
  if (problem) throw invalid(`${JSON.stringify(input.slice(0, 80))} is not a valid domain: it ${problem}`);
  return hostname;
}

/** Whether the router may put `hostname` into a server_name as it is. */
export function isCustomHostname(hostname: unknown, platformDomain: string): hostname is string {
  return (
    typeof hostname === 'string' &&
    hostname === hostname.toLowerCase() &&
    hostnameProblem(hostname, platformDomain) === undefined
  );
}
