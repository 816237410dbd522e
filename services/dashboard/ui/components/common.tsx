// Small pieces every page uses: loading data (with reload and its error),
// error and busy banners, the app state badge, times, safe links.

import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../api.js';
import type { AppState } from '../types.js';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

/** Runs `load` now, again whenever `deps` change, and on reload(); with `everyMs`, also on a timer. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], everyMs?: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const current = useRef<AbortController | null>(null);
  const run = useCallback(async () => {
    current.current?.abort();
    const ctl = new AbortController();
    current.current = ctl;
    setLoading(true);
    try {
      const value = await load(ctl.signal);
      if (ctl.signal.aborted) return;
      setData(value);
      setError(undefined);
    } catch (err) {
      if (ctl.signal.aborted) return;
      setError(messageOf(err));
    } finally {
      if (!ctl.signal.aborted) setLoading(false);
    }
  }, deps);
  useEffect(() => {
    setData(undefined);
    void run();
    const timer = everyMs ? setInterval(() => void run(), everyMs) : undefined;
    return () => {
      clearInterval(timer);
      current.current?.abort();
    };
  }, [run, everyMs]);
  return { data, error, loading, reload: run };
}

/** Runs an action, keeping its error and whether it runs. */
export function useAction(): {
  busy: boolean;
  error: string | undefined;
  run: (action: () => Promise<void>) => Promise<boolean>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, clear: () => setError(undefined) };
}

export function ErrorBox({ error, testid = 'error' }: { error: string | undefined; testid?: string }) {
  if (!error) return null;
  return (
    <div class="error" role="alert" data-testid={testid}>
      {error}
    </div>
  );
}

export function Notice({ children, testid }: { children: ComponentChildren; testid?: string }) {
  return (
    <div class="notice" role="status" data-testid={testid}>
      {children}
    </div>
  );
}

export function Loading() {
  return <div class="loading">Loading…</div>;
}

/** What a Loaded shows before its data: the error, else "Loading…". */
export function Pending({ loaded }: { loaded: Loaded<unknown> }) {
  return loaded.error ? <ErrorBox error={loaded.error} /> : <Loading />;
}

export function StateBadge({ state, testid = 'app-state' }: { state: AppState | string; testid?: string }) {
  return (
    <span class={`badge badge-${state.replace(/[^a-z]/g, '')}`} data-testid={testid}>
      {state}
    </span>
  );
}

/** "3 min ago", with the exact time as its title. */
export function Ago({ at }: { at: string }) {
  const t = Date.parse(at);
  if (Number.isNaN(t)) return <span>{at}</span>;
  return (
    <time dateTime={at} title={new Date(t).toLocaleString()}>
      {ago(Date.now() - t)}
    </time>
  );
}

export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 36) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

/** A link to an http(s) URL the API gave, opened apart; anything else is only text. */
export function ExternalLink({ href, testid }: { href: string; testid?: string }) {
  if (!/^https?:\/\//i.test(href)) return <span data-testid={testid}>{href}</span>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" data-testid={testid}>
      {href}
    </a>
  );
}
