import type { Store } from '../core/store.js';
import type { Assignment, Instance, InstanceState } from '../core/types.js';
import type { AgentConfig } from './config.js';
import type { CrashHistory } from './backoff.js';
import type { Registration } from './registration.js';

// The Instance records of this host's containers (what the scheduler, the
// router and `paas ps` read of them): written under the host lease, so they
// vanish with the agent, and only when they change. A new lease
// (registration.ts) holds none of them: every record is written again.

/** What the agent reports of one assignment's container. */
export interface InstanceReport {
  app: string;
  containerId: string;
  port: number;
  /** Its address on the Docker network while it runs (Instance.bridge). */
  bridge?: string;
  state: InstanceState;
  /** Restarts, last exit, start time (backoff.ts). */
  history: CrashHistory;
}

export class InstanceRecords {
  /** JSON of the last record written per assignment, under the lease generation `gen`. */
  private readonly written = new Map<string, string>();
  private gen = 0;

  constructor(
    private readonly store: Store,
    private readonly registration: Pick<Registration, 'lease' | 'generation'>,
    private readonly config: Pick<AgentConfig, 'hostId' | 'hostAddress'>,
  ) {}

  /** Under a new lease, forgets what was written under the old one, so every record is written again. */
  sync(): void {
    if (this.gen === this.registration.generation()) return;
    this.written.clear();
    this.gen = this.registration.generation();
  }

  /** The record as it is in etcd: an earlier agent's tells the crash history of a container it ran. */
  read(a: Pick<Assignment, 'app' | 'id'>): Promise<Instance | undefined> {
    return this.store.get<Instance>(this.store.keys.instance(a.app, a.id));
  }

  /** Writes the record under the host lease, if it changed. */
  async write(a: Assignment, t: InstanceReport): Promise<void> {
    const lease = this.registration.lease();
    if (!lease) return;
    const { config, store } = this;
    const body = {
      id: a.id,
      host: config.hostId,
      app: a.app,
      release: a.release,
      type: a.type,
      state: t.state,
      containerId: t.containerId,
      address: config.hostAddress,
      port: t.port,
      ...(t.bridge && { bridge: t.bridge }),
      ...t.history,
      assignedAt: a.createdAt,
    };
    const json = JSON.stringify(body);
    if (this.written.get(a.id) === json) return;
    const instance: Instance = { ...body, updatedAt: new Date().toISOString() };
    await store.put(store.keys.instance(a.app, a.id), instance, lease);
    this.written.set(a.id, json);
  }

  /**
   * Deletes the record if it is this host's: an assignment moved to another
   * host (this one was lost) has the same instance key there, and that
   * container is live.
   */
  async delete(app: string, assignmentId: string): Promise<void> {
    const { store } = this;
    const key = store.keys.instance(app, assignmentId);
    const cur = await store.getVersioned<Instance>(key);
    if (cur?.value.host === this.config.hostId) {
      await store.commit([{ key, modRevision: cur.modRevision }], [{ delete: key }]);
    }
    this.written.delete(assignmentId);
  }
}
