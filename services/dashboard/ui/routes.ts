// The dashboard's paths and what they show; pure (router.tsx follows the
// browser's history).

export type Route =
  { page: 'apps' } | { page: 'app'; app: string; tab: string; id?: string } | { page: 'not-found'; path: string };

const segment = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** `/` and `/apps`: the apps; `/apps/<name>[/<tab>[/<id>]]`: an app. */
export function routeOf(path: string): Route {
  const parts = path.split('/').filter(Boolean).map(segment);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'apps')) return { page: 'apps' };
  if (parts[0] === 'apps' && parts[1] && parts.length <= 4)
    return { page: 'app', app: parts[1], tab: parts[2] ?? 'overview', ...(parts[3] && { id: parts[3] }) };
  return { page: 'not-found', path };
}
