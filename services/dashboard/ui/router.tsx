// A history router without hashes: the path is the page (the dashboard
// service answers index.html for any GET it does not know), links push a
// history entry, Back and Forward re-render.

import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
window.addEventListener('popstate', notify);

export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (path === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.scrollTo(0, 0);
  notify();
}

/** The current path (without the query), re-rendering on every change. */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const l = () => setPath(location.pathname);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return path;
}

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

interface LinkProps {
  href: string;
  class?: string;
  children?: ComponentChildren;
  'data-testid'?: string;
  title?: string;
}

/** An <a> that navigates without a page load (a click with a modifier opens the URL as usual). */
export function Link(props: LinkProps) {
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  const { children, ...rest } = props;
  return (
    <a {...rest} onClick={onClick}>
      {children}
    </a>
  );
}
