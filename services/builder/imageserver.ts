import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import type { Logger } from '../core/logger.js';
import type { ServiceMetrics } from '../core/metrics.js';
import { imageRefOf, type ImageServerRecord } from '../core/imageservers.js';
import type { Lease, Store } from '../core/store.js';

// The builder's images, served to agents whose Docker engine is not the
// builder's (several hosts: scripts/hosts, or machines of their own). An app
// image exists only in the engine that built it; an agent that lacks the image
// of an assignment fetches it here (agent/images.ts) and loads it into its
// own engine. One internal HTTP endpoint, behind the internal token:
//
//   GET  /images/<reference>   the image as `docker save` writes it (a tar
//                              stream, its id in X-Image-Id), 404 when the
//                              engine has no such image
//   HEAD /images/<reference>   the same answer without the body
//
// <reference> is URL-encoded (core/imageservers.ts): a tag (`paas/app-web:20261207-1`, what releases
// name: builder/build/appimage.ts) or an image id (`sha256:<hex>`). A promoted
// slug names another app's tag: it is served like any other. The builder
// registers where it serves under a leased key (/image-servers/<name>,
// ImageServerRecord): it goes when the builder does, so agents only try
// builders that run. Why a save/load stream and not a registry: nothing more
// to run or secure (a registry needs TLS or an insecure-registries setting in
// every engine), and an image travels once per host.

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export interface ImageServerOptions {
  docker: Docker;
  store: Store;
  log: Logger;
  internalToken: string;
  /** Where to listen (port 0: any free one; agents learn it from etcd). */
  listen: { host: string; port: number };
  /** The URL agents use; default http://<listen host>:<bound port>. */
  url?: string;
  /** The key's name (default <hostname>-<bound port>). */
  name?: string;
  leaseTtlSeconds?: number;
  metrics?: ServiceMetrics;
}

export interface RunningImageServer {
  url: string;
  name: string;
  close(): Promise<void>;
}

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

export async function startImageServer(o: ImageServerOptions): Promise<RunningImageServer> {
  const log = o.log.child({ module: 'images' });
  const served = o.metrics?.counter(
    'paas_builder_images_served_total',
    'Images asked for by agents of other engines, by result: sent, missing (404), failed (the stream broke)',
    ['result'],
  );
  const bytes = o.metrics?.counter('paas_builder_images_served_bytes_total', 'Bytes of images sent to agents');
  const server: Server = createServer((req, res) => {
    req.resume();
    if (!sameSecret(/^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1] ?? '', o.internalToken)) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('invalid internal token\n');
      return;
    }
    const ref = imageRefOf(req.url ?? '');
    if (!ref) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /images/<image reference>\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    void (async () => {
      const image = o.docker.getImage(ref);
      let id: string;
      try {
        id = (await image.inspect()).Id;
      } catch (err) {
        if (statusOf(err) !== 404) log.error({ err, image: ref }, 'cannot inspect an image asked for');
        served?.inc({ result: statusOf(err) === 404 ? 'missing' : 'failed' });
        res.writeHead(statusOf(err) === 404 ? 404 : 500, { 'content-type': 'text/plain' }).end('no such image\n');
        return;
      }
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'x-image-id': id }).end();
        return;
      }
      const started = Date.now();
      const tar = (await image.get()) as NodeJS.ReadableStream;
      let sent = 0;
      tar.on('data', (chunk: Buffer) => (sent += chunk.length));
      res.writeHead(200, { 'content-type': 'application/x-tar', 'x-image-id': id });
      tar.pipe(res);
      await new Promise<void>((resolve) => {
        const done = (ok: boolean) => {
          served?.inc({ result: ok ? 'sent' : 'failed' });
          bytes?.inc(sent);
          if (ok)
            log.info({ image: ref, bytes: sent, ms: Date.now() - started, to: req.socket.remoteAddress }, 'image sent');
          else log.warn({ image: ref, bytes: sent }, 'image stream ended early');
          resolve();
        };
        res.on('close', () => done(res.writableFinished));
        tar.on('error', (err) => {
          log.error({ err, image: ref }, 'docker save failed');
          res.destroy(err);
        });
      });
    })().catch((err: unknown) => {
      log.error({ err, image: ref }, 'cannot send an image');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('cannot send the image\n');
      else res.destroy();
    });
  });
  server.requestTimeout = 0; // an image takes as long as it takes
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listen.port, o.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'image server failed'));
  const port = (server.address() as AddressInfo).port;
  const url = (o.url ?? `http://${o.listen.host.includes(':') ? `[${o.listen.host}]` : o.listen.host}:${port}`).replace(
    /\/+$/,
    '',
  );
  const name = o.name ?? `${hostname()}-${port}`;
  const unregister = registerServer(
    o.store,
    log,
    { name, url, startedAt: new Date().toISOString() },
    o.leaseTtlSeconds ?? 10,
  );
  log.info({ url, name }, 'serving images to agents');
  return {
    url,
    name,
    async close() {
      await unregister();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Keeps the record under a lease, registering again when the lease is lost; the returned function revokes it. */
function registerServer(store: Store, log: Logger, record: ImageServerRecord, ttl: number): () => Promise<void> {
  let closed = false;
  let current: Lease | undefined;
  let retry: NodeJS.Timeout | undefined;
  const attempt = async () => {
    if (closed) return;
    const lease = store.lease(ttl);
    lease.on('lost', (err) => {
      if (current !== lease || closed) return;
      log.warn({ err }, 'image server lease lost; registering again');
      current = undefined;
      retry = setTimeout(() => void attempt(), 500);
    });
    try {
      await store.put(store.keys.imageServer(record.name), record, lease);
      if (closed) {
        await lease.revoke().catch(() => undefined);
        return;
      }
      current = lease;
    } catch (err) {
      log.warn({ err }, 'cannot register the image server; retrying');
      lease.release();
      if (!closed) retry = setTimeout(() => void attempt(), 2000);
    }
  };
  void attempt();
  return async () => {
    closed = true;
    if (retry) clearTimeout(retry);
    await current?.revoke().catch(() => undefined);
    current = undefined;
  };
}
