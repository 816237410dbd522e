import client from 'prom-client';

// etcd round trips (issue 18), counted and timed per service: each service's
// Store (Store.shared gives each its own, over the process's one etcd client)
// times every request it makes through EtcdRoundTrips.time, and that service's
// registry (core/metrics.ts: ServiceMetrics) exports them:
//
//   paas_<service>_etcd_requests_total{operation, result}     result: ok, error
//   paas_<service>_etcd_request_duration_seconds{operation}   a histogram
//
// Per service, not per process: with the five services in one process
// (services/platform) the scheduler's round trips stay the scheduler's, and
// adding the five services' counts up counts each request once. The objects
// live here, one per service name in the process (etcdRoundTrips), so that a
// service's Store and its registry meet without either knowing the other.
//
// The operations: get (one key: Store.get, getVersioned, a Txn's reads), range
// (a prefix: range, list, snapshot, a Mirror's load), put, delete (a key or a
// prefix), txn (commit, transact, createRelease, ...), watch (a watch made:
// its events then come on the stream, uncounted), lease_grant, and
// lease_keepalive (one per keep-alive answered: a lease's ttl/3). A campaign's
// own requests (Store.election: etcd3 makes them) are not counted.

export type EtcdOperation = 'get' | 'range' | 'put' | 'delete' | 'txn' | 'watch' | 'lease_grant' | 'lease_keepalive';

/** Seconds: a local etcd answers in about a millisecond, a loaded or distant one in tens. */
export const ETCD_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** How a Store runs one request to etcd: `call` makes it (and may be a thenable builder of etcd3). */
export type Timed = <T>(operation: EtcdOperation, call: () => PromiseLike<T>) => Promise<T>;

/** A Store with no service (tests, tools): the request, uncounted. */
export const untimed: Timed = async (_operation, call) => await call();

/** One service's count and time of its round trips to etcd (the metrics are registered by its ServiceMetrics). */
export class EtcdRoundTrips {
  readonly requests: client.Counter<'operation' | 'result'>;
  readonly duration: client.Histogram<'operation'>;

  constructor(readonly service: string) {
    const prefix = `paas_${metricWord(service)}_etcd`;
    this.requests = new client.Counter({
      name: `${prefix}_requests_total`,
      help: `Requests the ${service}'s Store made to etcd, by operation and result (ok, error)`,
      labelNames: ['operation', 'result'],
      registers: [],
    });
    this.duration = new client.Histogram({
      name: `${prefix}_request_duration_seconds`,
      help: `Time the ${service}'s requests to etcd took until answered (or failed), by operation`,
      labelNames: ['operation'],
      buckets: ETCD_BUCKETS,
      registers: [],
    });
  }

  /** Makes the request, counted and timed. */
  readonly time: Timed = async (operation, call) => {
    const end = this.duration.startTimer({ operation });
    try {
      const res = await call();
      this.requests.inc({ operation, result: 'ok' });
      return res;
    } catch (err) {
      this.requests.inc({ operation, result: 'error' });
      throw err;
    } finally {
      end();
    }
  };

  /** One request seen from outside (a lease's keep-alive): its result and seconds. */
  record(operation: EtcdOperation, ok: boolean, seconds?: number): void {
    this.requests.inc({ operation, result: ok ? 'ok' : 'error' });
    if (seconds !== undefined) this.duration.observe({ operation }, seconds);
  }
}

const byService = new Map<string, EtcdRoundTrips>();

/** The process's EtcdRoundTrips of a service, made on the first ask. */
export function etcdRoundTrips(service: string): EtcdRoundTrips {
  let rt = byService.get(service);
  if (!rt) byService.set(service, (rt = new EtcdRoundTrips(service)));
  return rt;
}

/** A service's name as a word of a metric name: [a-z0-9_]. */
function metricWord(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}
