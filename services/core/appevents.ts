// The platform events of an app that no other record keeps with who made
// them (a scale, a restart, a dyno policy change, maintenance on or off, a
// domain added or removed): one record per app under /app-events/<app>, the
// newest APP_EVENTS_KEPT of them, written by the controller as they happen
// and read by the activity feed. Pure types and helpers.

export type AppEventKind = 'scale' | 'restart' | 'policy' | 'maintenance' | 'domain';

export interface AppEvent {
  id: string;
  at: string;
  kind: AppEventKind;
  /** The user who made the change: their id and their email then. */
  user: { id: string; email: string };
  description: string;
}

/** The record under /app-events/<app>: oldest first. */
export interface AppEventLog {
  events: AppEvent[];
}

/** How many events an app keeps; older ones are dropped by the write that adds one more. */
export const APP_EVENTS_KEPT = 100;

/** The log with the event added last and only the newest `kept` kept. Pure. */
export function withEvent(log: AppEventLog | undefined, event: AppEvent, kept = APP_EVENTS_KEPT): AppEventLog {
  const events = [...(log?.events ?? []), event];
  return { events: events.slice(Math.max(0, events.length - kept)) };
}
