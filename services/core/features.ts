import { notFound } from './errors.js';

// The app features a user turns on and off (`paas features:enable NAME`), as
// Heroku's `features` are: named, described, off unless enabled. Pure.

export interface Feature {
  name: string;
  description: string;
}

export const FEATURES: readonly Feature[] = [
  {
    name: 'redirect-https',
    description: 'HTTP requests get a 308 redirect to HTTPS (ACME challenges excepted)',
  },
];

/** The feature named, or a 404 naming the ones there are. */
export function featureNamed(name: string): Feature {
  const f = FEATURES.find((x) => x.name === name);
  if (!f) throw notFound(`Couldn't find that feature. The features are ${FEATURES.map((x) => x.name).join(', ')}.`);
  return f;
}

/** Whether the app has the feature on. */
export function hasFeature(app: { features?: readonly string[] }, name: string): boolean {
  return (app.features ?? []).includes(name);
}

/** The app's features with `name` on or off, sorted and unique. */
export function withFeature(features: readonly string[] | undefined, name: string, enabled: boolean): string[] {
  const set = new Set(features ?? []);
  if (enabled) set.add(name);
  else set.delete(name);
  return [...set].sort();
}
