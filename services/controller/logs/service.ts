import type { Logger } from '../../core/logger.js';
import type { ServiceMetrics } from '../../core/metrics.js';
import type { Store } from '../../core/store.js';
import { LogCounts } from '../metrics/counters.js';
import type { LogsConfig } from './config.js';
import { PlatformEvents } from './events.js';
import { DrainForwarder } from './forward.js';
import { SessionTable } from './sessions.js';
import { LogStore } from './store.js';
import type { PeerRegistry } from '../peers/registry.js';
import type { Replicator } from '../peers/replicate.js';

// The controller's log pipeline, built once: the store, the log sessions, and
// (once started) the platform-event watch and the drain forwarder. Given the
// controller's metrics, it counts the lines taken in and lost (../metrics.ts).

export class LogService {
  readonly store: LogStore;
  readonly sessions = new SessionTable();
  /** Lines taken in and lost (absent: not counted). */
  readonly counts: LogCounts | undefined;
  private events: PlatformEvents | undefined;
  private forwarder: DrainForwarder | undefined;
  /** Whether this controller forwards platform events to drains (one of several: the leader). */
  private leads: () => boolean = () => true;
  private joined = false;

  constructor(
    private readonly config: Omit<LogsConfig, 'dir'> & Partial<Pick<LogsConfig, 'dir'>>,
    private readonly log: Logger,
    metrics?: ServiceMetrics,
  ) {
    this.counts = metrics && new LogCounts(metrics);
    this.store = new LogStore({
      ...(config.dir && { dir: config.dir }),
      maxLines: config.maxLines,
      maxBytesPerApp: config.maxBytesPerApp,
      maxAppsLoaded: config.maxAppsLoaded,
      log,
    });
  }

  /**
   * With other controllers (peers/registry.ts): what this one takes from its sources is copied to them, and it
   * forwards platform events to drains only while it leads. Once.
   */
  joinPeers(registry: Pick<PeerRegistry, 'leads'>, replicator: Pick<Replicator, 'lines' | 'lifecycle'>): void {
    if (this.joined) return;
    this.joined = true;
    this.leads = () => registry.leads();
    this.store.onAppend((app, records, origin) => {
      if (origin === 'source') replicator.lines(records.map((r) => ({ app, ...r })));
    });
    this.store.onLifecycle((op, origin) => {
      if (origin === 'source') replicator.lifecycle(op);
    });
  }

  /** Starts telling platform events and forwarding to drains. */
  async start(store: Store): Promise<void> {
    this.events = new PlatformEvents(store, this.store, this.log);
    this.forwarder = new DrainForwarder({
      store,
      logs: this.store,
      log: this.log,
      ...(this.config.drainCa && { extraCa: this.config.drainCa }),
      ...(this.counts && { counts: this.counts }),
      leads: () => this.leads(),
    });
    await this.events.start();
    await this.forwarder.start();
  }

  async stop(): Promise<void> {
    await this.events?.stop();
    await this.forwarder?.stop();
    await this.store.flush();
  }
}
