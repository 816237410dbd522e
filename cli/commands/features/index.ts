import { appPath } from '../../api.js';
import { appListing } from '../../command.js';
import type { FeatureView } from '../../../services/core/api.js';

// features: an app's features, on ([+]) or off ([ ]), as Heroku lists them.

export function featuresText(app: string, features: readonly FeatureView[]): string {
  const width = Math.max(...features.map((f) => f.name.length));
  return [
    `=== ${app} App Features`,
    ...features.map((f) => `[${f.enabled ? '+' : ' '}] ${f.name.padEnd(width)}  ${f.description}`),
  ].join('\n');
}

export default appListing<FeatureView[]>('features', {
  description: "list an app's features and whether each is on",
  example: ['$ paas features -a my-app', '=== my-app App Features', '[ ] redirect-https  HTTP requests get a 308 ...'],
  path: (app) => appPath(app, '/features'),
  text: (app, features) => featuresText(app, features),
});
