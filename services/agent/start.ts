import { sharedDocker } from '../core/dockerclient.js';
import { LayerDisks } from '../core/layerdisk.js';
import type { Running, ServiceContext } from '../core/service.js';
import { Store } from '../core/store.js';
import { startAgent } from './agent.js';
import { Attacher } from './attach.js';
import { loadConfig } from './config.js';
import { DockerRuntime } from './docker.js';
import { Bandwidth } from './isolation/bandwidth.js';
import { iptablesIn, startIsolation } from './isolation/network.js';
import { ImageFetcher } from './images.js';
import { ImageCleanup } from './imagecleanup.js';
import type { ImageServerRecord } from '../core/imageservers.js';
import { startLogShipping } from './logs/start.js';
import { ServiceMetrics } from '../core/metrics.js';
import { DynoMetrics } from './metrics/dynos.js';
import { MemoryMinutes, SAMPLE_EVERY_MS } from './metrics/minutes.js';
import { onStepEnds, postMetrics } from '../core/metricpost.js';
import { ownerLabels } from './spec.js';
import { startAddons, type AddonRunner } from './addons/runner.js';

// The agent's composition root, in its own process (main.ts) or the
// platform's (services/platform): config, logger, etcd and Docker; then the
// reconcile loop. Stopped, the agent leaves its containers running: the next
// agent on this host adopts them.

export async function start(ctx: ServiceContext): Promise<Running> {
  const config = loadConfig(ctx.env);
  const log = ctx.logger(config.logLevel);
  const store = Store.shared(ctx, config.etcdEndpoints, config.etcdPrefix);
  const metrics = new ServiceMetrics('agent');
  await metrics.serve(config.metrics, log.child({ module: 'metrics' }));
  const docker = sharedDocker(ctx, config.dockerSocket);
  const bandwidth = config.bandwidthLimits ? new Bandwidth(docker, log, 'tc', config.netns) : undefined;
  const runtime = new DockerRuntime(
    docker,
    config.diskLimits ? { disks: new LayerDisks(config.diskDir), log } : undefined,
    bandwidth,
  );
  const shipper = await startLogShipping(docker, config, log); // app log lines -> controller
  const attacher = config.internalToken
    ? new Attacher({
        docker,
        apiUrl: config.apiUrl,
        internalToken: config.internalToken,
        log,
        stopGraceSeconds: config.stopGraceSeconds,
        ...(bandwidth && { bandwidth }),
      })
    : undefined; // `paas run`
  const isolation = config.networkIsolation
    ? await startIsolation({
        docker,
        cluster: config.cluster,
        routerPorts: config.routerPorts,
        log: log.child({ module: 'isolation' }),
        ipt: iptablesIn(config.netns),
      })
    : undefined;
  if (!isolation)
    log.warn(
      "PAAS_AGENT_NETWORK_ISOLATION=false: apps share Docker's default bridge and reach each other and the host",
    );
  // images the engine lacks (an engine of its own: several hosts), from the builders that serve theirs
  const images =
    config.imageFetch && config.internalToken
      ? new ImageFetcher({
          docker,
          servers: () => store.list<ImageServerRecord>(store.keys.imageServers()),
          internalToken: config.internalToken,
          log: log.child({ module: 'images' }),
          metrics,
        })
      : undefined;
  // old releases' images on an engine no builder cleans (several hosts), with the builder's retention
  const stopImageCleanup =
    config.imageCleanup && config.internalToken
      ? new ImageCleanup({
          docker,
          cluster: config.cluster,
          apiUrl: config.apiUrl,
          internalToken: config.internalToken,
          keepReleaseImages: config.keepReleaseImages,
          log: log.child({ module: 'image-cleanup' }),
          metrics,
        }).start(config.imageCleanupMs)
      : undefined;
  // this host's add-ons, made after the agent (below); until then a starting container joins them at the runner's pass
  const late: { addons?: AddonRunner } = {};
  const agent = startAgent({
    store,
    runtime,
    log,
    config,
    ...(attacher && { attacher }),
    ...(isolation && { network: isolation.network }),
    ...(images && { images }),
    ...(shipper && { say: (c, line, o) => shipper.say(c.id, c.labels, line, o) }),
    ...(config.addons && { beforeStart: (id: string, app: string) => late.addons?.join(id, app) ?? Promise.resolve() }),
  });
  // this host's add-ons (issue 20): their containers, volumes and networks, the attached apps connected to them
  const addons = config.addons
    ? await startAddons({
        store,
        docker,
        log,
        ctx: { cluster: config.cluster, hostId: config.hostId, image: config.addonImage, pidsLimit: config.pidsLimit },
        leaseTtlSeconds: config.leaseTtlSeconds,
        resyncMs: config.resyncMs,
        stopGraceSeconds: config.stopGraceSeconds,
        volumeGraceMs: config.addonVolumeGraceMs,
      })
    : undefined;
  if (addons) late.addons = addons;
  // per-dyno CPU, memory, network and restarts, under cAdvisor's names (metrics/dynos.ts); each dyno's memory
  // of each minute to the controller, for the app's series (metrics/minutes.ts)
  const minutes = new MemoryMinutes();
  const dynos = new DynoMetrics({
    runtime,
    labels: ownerLabels(config),
    hostId: config.hostId,
    restarts: () => agent.restarts(),
    log: log.child({ module: 'metrics' }),
    onSample: (samples, at) => minutes.observe(samples, at),
  });
  dynos.register(metrics);
  const internalToken = config.internalToken;
  const sampler = internalToken && setInterval(() => void dynos.text().catch(() => undefined), SAMPLE_EVERY_MS);
  const stopMinutes =
    internalToken &&
    onStepEnds(60_000, async (start) => {
      const samples = minutes.take(start / 1000);
      if (samples.length > 0)
        await postMetrics({ apiUrl: config.apiUrl, internalToken }, samples, log.child({ module: 'metrics' }));
    });
  log.info(
    {
      host: config.hostId,
      address: config.hostAddress,
      ...(config.netns && { netns: config.netns }),
      tags: config.tags,
      memoryMb: config.memoryMb,
      cpus: config.cpus,
    },
    'agent started',
  );
  return {
    log,
    stop: async () => {
      await agent.stop();
      await addons?.stop();
      await stopImageCleanup?.();
      isolation?.stop();
      await shipper?.stop();
      if (sampler) clearInterval(sampler);
      if (stopMinutes) stopMinutes();
      await metrics.close();
    },
  };
}
