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
