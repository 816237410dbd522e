import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { round } from './common.js';
import { listedFor, singleAfter, twice, type RouteSample, type RunSample } from './faultslib.js';
import {
  alive,
  descends,
  engineDynos,
  etcdLeader,
  getWithHost,
  routerUpstreams,
  run,
  schedulerLeads,
  sleep,
} from './faultsops.js';
import type { Bench, Done, Fault } from './faultswindow.js';

// The faults of bench/faults.ts, each a kill -9 (or a cut link) of one part of
// the platform, returning what its window measures (faultswindow.ts).

const secs = (ms: number | undefined) => (ms === undefined ? 'never' : `${round(ms / 1000, 1)} s`);

/** Polls `ok` every `everyMs` until it holds: ms after t0 (undefined: not within timeoutMs). */
async function until(
  t0: number,
  timeoutMs: number,
  ok: () => Promise<boolean>,
  everyMs = 50,
): Promise<number | undefined> {
  while (performance.now() - t0 < timeoutMs) {
    if (await ok().catch(() => false)) return performance.now() - t0;
    await sleep(everyMs);
  }
  return undefined;
}

/** No fault: the floor every fault's window compares with (the same load, read, config:set and rollout). */
export const noFault: Fault = async () => ({});

/** etcd members: client port and supervised name (member 1 is `etcd`, member i `etcd-i`). */
export interface EtcdMembers {
  ports: number[];
  names: string[];
  /** The member killed last: a follower is chosen among the others when it can be. */
  lastKilled?: number;
}

/** kill -9 of etcd's leader, or of a follower. */
export function etcdMember(m: EtcdMembers, role: 'leader' | 'follower'): Fault {
  return async (b) => {
    const st = await etcdLeader(m.ports);
    const port = role === 'leader' ? st.leader : (st.followers.find((p) => p !== m.lastKilled) ?? st.followers[0]);
    if (port === undefined) throw new Error(`no etcd ${role} among ${m.ports.join(', ')}`);
    const name = m.names[m.ports.indexOf(port)] as string;
    const pid = b.platform.kill9(name);
    m.lastKilled = port;
    const at = performance.now();
    const others = m.ports.filter((p) => p !== port);
    let electedMs: number | undefined;
    if (role === 'leader')
      void until(at, 30_000, async () => (await etcdLeader(others)).leader !== undefined).then(
        (ms) => (electedMs = ms),
      );
    return {
      at,
      back: b.platform.back(name, pid, at),
      notes: () =>
        `member ${name} (127.0.0.1:${port}), back = its supervisor ran it again` +
        (role === 'leader' ? `; the others elected a leader after ${secs(electedMs)}` : ''),
    };
  };
}

/** kill -9 of the leading scheduler; back = a scheduler leading again. */
export function leadingScheduler(ports: Record<string, number>): Fault {
  return async (b) => {
    const leads = await Promise.all(Object.entries(ports).map(async ([n, p]) => [n, await schedulerLeads(p)] as const));
    const leader = leads.find(([, l]) => l)?.[0];
    if (!leader) throw new Error(`no scheduler leads (${JSON.stringify(leads)})`);
    b.platform.kill9(leader);
    const at = performance.now();
    let who = '?';
    const back = until(
      at,
      60_000,
      async () => {
        for (const [n, p] of Object.entries(ports))
          if (await schedulerLeads(p)) {
            who = n;
            return true;
          }
        return false;
      },
      100,
    );
    return { at, back, notes: () => `${leader} led; back = ${who} leading` };
  };
}

/** kill -9 of the first controller (the first API URL); back = its /healthz answering. */
export function controller(port: number): Fault {
  return async (b) => {
    const pid = b.platform.kill9('controller');
    const at = performance.now();
    const back = until(at, 60_000, async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(500) });
      return res.ok;
    });
    return { at, back, notes: () => `controller (pid ${pid}, 127.0.0.1:${port}); back = its /healthz` };
  };
}

/** The pids of the builders' pre-receive hooks (push/hook.js) running now. */
async function hookPids(): Promise<number[]> {
  const r = await run('pgrep', ['-f', 'push/hook.js'], { timeoutMs: 2000 });
  return r.output
    .split('\n')
    .map(Number)
    .filter((n) => n > 0);
}

/**
 * kill -9 of the builder running a push, 3 s into its build; then the push tried again until it succeeds and its
 * version answers through the router (the window's write).
 */
export function builderDuringPush(opts: { gitDir: string; builders: string[]; url: string; host: string }): Fault {
  return async (b) => {
    const n = Date.now();
    const text = `fault build ${n}`;
    writeFileSync(join(opts.gitDir, 'message.json'), `${JSON.stringify({ text })}\n`);
    await run('git', ['-C', opts.gitDir, 'commit', '-qam', `fault ${n}`]);
    const push = () => run('git', ['-C', opts.gitDir, 'push', '-q', 'paas', 'main'], { timeoutMs: 240_000 });
    const first = push();
    let victim: string | undefined;
    const pids = () => opts.builders.map((name) => [name, b.platform.pid(name)] as const);
    const found = await until(
      performance.now(),
      90_000,
      async () => {
        for (const h of await hookPids())
          for (const [name, pid] of pids())
            if (pid && descends(h, pid)) {
              victim = name;
              return true;
            }
        return false;
      },
      100,
    );
    if (found === undefined || !victim) throw new Error('no builder ran the push within 90 s');
    await sleep(3000); // into the build
    const pid = b.platform.kill9(victim);
    const at = performance.now();
    const firstResult = await first;
    let retries = 0;
    const refusals: string[] = [];
    const wrote = (async () => {
      let writeMs: number | undefined;
      while (performance.now() - at < b.limitS * 1000) {
        retries++;
        const r = await push();
        if (r.code === 0) {
          writeMs = performance.now() - at;
          break;
        }
        refusals.push(r.output.trim().split('\n').at(-1) ?? `exit ${r.code}`);
        await sleep(1000);
      }
      const servedMs =
        writeMs === undefined
          ? undefined
          : await until(at, b.limitS * 1000, async () => {
              return (await getWithHost(opts.url, opts.host, 2000)).body.trim() === text;
            });
      return {
        ...(writeMs !== undefined && { writeMs }),
        ...(servedMs !== undefined && { servedMs }),
        releases: 1,
        builds: 2,
      };
    })();
    return {
      at,
      back: b.platform.back(victim, pid, at),
      wrote,
      // the interrupted push's build and the retry's; one release, the retry's
      expects: { releases: 1, builds: 2 },
      notes: () =>
        `${victim} ran the push, killed 3 s into its build; the interrupted push exited ${firstResult.code}; write = the push again until accepted (${retries} tries${refusals.length ? `: ${[...new Set(refusals)].join(' / ').slice(0, 200)}` : ''}), served = its text through the router`,
    };
  };
}

/** kill -9 of the first router and its nginx; the load also runs through the other router's port. */
export function router(opts: { url: string; host: string }): Fault {
  return async (b) => {
    const nginx = b.platform.pid('nginx');
    const workers = nginx
      ? (await run('pgrep', ['-P', String(nginx)])).output.split('\n').map(Number).filter(Boolean)
      : [];
    const pid = b.platform.kill9('router');
    for (const p of [nginx, ...workers]) if (p && alive(p)) process.kill(p, 'SIGKILL');
    const at = performance.now();
    const back = until(at, 60_000, async () => (await getWithHost(opts.url, opts.host, 1000)).status === 200, 100);
    return {
      at,
      back,
      notes: () => `router (pid ${pid}) and its nginx (${nginx ?? '?'}); back = router 1 serving the app again`,
    };
  };
}

/** Samples the routers' peers for the app and the containers the engines run, until stop(). */
function sampler(b: Bench, controlPorts: readonly number[], engines: readonly { socket: string; id: string }[]) {
  const routes: RouteSample[][] = controlPorts.map(() => []);
  const runs: RunSample[] = [];
  let going = true;
  const t = () => performance.now();
  const routeLoop = (async () => {
    while (going) {
      await Promise.all(
        controlPorts.map(async (p, i) => routes[i]?.push({ t: t(), upstreams: await routerUpstreams(p, b.app) })),
      );
      await sleep(200);
    }
  })();
  const runLoop = (async () => {
    while (going) {
      const at = t();
      const all = await Promise.all(engines.map((e) => engineDynos(e.socket, b.app, e.id)));
      runs.push({ t: at, dynos: all.flatMap((x) => x ?? []) });
      await sleep(500);
    }
  })();
  return {
    routes,
    runs,
    stop: async () => {
      going = false;
      await Promise.all([routeLoop, runLoop]);
    },
  };
}

/** A host that runs one of the app's web dynos: its number, slot and agent's id. */
async function hostWithDyno(b: Bench) {
  const dynos = await b.api.dynos(b.app);
  const hosts = b.platform.hosts();
  const h = hosts.find((x) => dynos.some((d) => d.type === 'web' && d.host === x.id));
  if (!h)
    throw new Error(
      `no host of scripts/hosts runs a web dyno of ${b.app}: ${JSON.stringify(dynos.map((d) => d.host))}`,
    );
  return h;
}

export interface Topology {
  controlPorts: number[];
  engines: { socket: string; id: string }[];
  leaseS: number;
  drainMs: number;
}

/** The router's listing of a host's peers and the dynos running twice, as a note. */
function listingNote(s: ReturnType<typeof sampler>, address: string, from: number, until_: number, topo: Topology) {
  const route = s.routes
    .map((r, i) => {
      const l = listedFor(r, address, from, until_);
      if (!l.listedAtStart) return `router ${i + 1}: its peer gone before the first sample`;
      return `router ${i + 1} listed its peer ${l.throughout ? `throughout (${secs(l.heldMs)})` : `for ${secs(l.heldMs)}`} (lease ${topo.leaseS} s)`;
    })
    .join(', ');
  return route;
}

/** The host of a web dyno lost at once (scripts/hosts kill K); the host is brought back after the window. */
export function wholeHost(opts: { scripts: string; topo: Topology }): Fault {
  return async (b) => {
    const h = await hostWithDyno(b);
    const s = sampler(b, opts.topo.controlPorts, opts.topo.engines);
    await sleep(500);
    const r = await run(join(opts.scripts, 'hosts'), ['kill', String(h.k)], {
      env: { ...process.env, PAAS_STATE_DIR: b.platform.stateDir },
    });
    if (r.code !== 0) throw new Error(`scripts/hosts kill ${h.k} failed: ${r.output}`);
    const at = performance.now();
    const over = (async () => {
      await sleep(b.windowS * 1000);
      await s.stop();
    })();
    return {
      at,
      lostHost: h.id,
      over,
      notes: () =>
        `host ${h.k} (${h.id}; ${
          r.output
            .trim()
            .split('\n')
            .at(-1)
            ?.replace(/^.*host \d+ killed/, 'killed') ?? ''
        }); ` + listingNote(s, `10.213.${h.slot}.2`, at, at + b.windowS * 1000, opts.topo),
    };
  };
}

/** The comment of the OUTPUT rules of a partition (scripts/lib/bench-faults.sh removes any left). */
export const PARTITION_COMMENT = 'paas-bench-faults';

/** Host K's link cut (its veth down) for `seconds`, then up again (its route to the containers' network put back). */
export function partition(opts: { seconds: number; settleS: number; topo: Topology; freezeAgent: boolean }): Fault {
  return async (b) => {
    const h = await hostWithDyno(b);
    const veth = `paas-h${h.slot}-a`;
    const s = sampler(b, opts.topo.controlPorts, opts.topo.engines);
    await sleep(500);
    // While the link is down its routes are gone: packets to the host would take the machine's default route out.
    // OUTPUT drops them instead (as a cut cable loses them), so nothing leaves the machine.
    const nets = [`10.213.${h.slot}.0/30`, `10.214.${h.slot}.0/24`];
    const rule = (op: string, net: string) =>
      run('iptables', [
        '-w',
        '5',
        op,
        'OUTPUT',
        '-d',
        net,
        '-m',
        'comment',
        '--comment',
        PARTITION_COMMENT,
        '-j',
        'DROP',
      ]);
    for (const net of nets) {
      const r = await rule('-I', net);
      if (r.code !== 0) throw new Error(`iptables -I OUTPUT -d ${net}: ${r.output}`);
    }
    // The host's agent runs in this namespace (scripts/lib/hosts.sh): the link cuts the host's containers off, not the
    // agent from etcd. With freezeAgent the agent is stopped too (SIGSTOP), so its lease lapses as it would for an
    // agent on the far side of a cut; SIGCONT at the heal.
    const agent = opts.freezeAgent ? b.platform.hostAgentPid(h.k) : undefined;
    if (opts.freezeAgent && !agent) throw new Error(`no agent pid for host ${h.k}`);
    const down = await run('ip', ['link', 'set', 'dev', veth, 'down']);
    if (down.code !== 0) throw new Error(`ip link set ${veth} down: ${down.output}`);
    if (agent) process.kill(agent, 'SIGSTOP');
    const at = performance.now();
    let healedAt = 0;
    const over = (async () => {
      await sleep(opts.seconds * 1000);
      await run('ip', ['link', 'set', 'dev', veth, 'up']);
      if (agent) process.kill(agent, 'SIGCONT');
      // the link's routes went with it: the one to the host's containers' network is put back, as scripts/hosts made it
      await run('ip', ['route', 'replace', `10.214.${h.slot}.0/24`, 'via', `10.213.${h.slot}.2`, 'dev', veth]);
      for (const net of nets) await rule('-D', net);
      healedAt = performance.now();
      await sleep(opts.settleS * 1000);
      await s.stop();
    })();
    return {
      at,
      lostHost: h.id,
      over,
      notes: () => {
        const dup = twice(s.runs, healedAt + opts.topo.drainMs);
        const single = singleAfter(s.runs, healedAt);
        const during = twice(s.runs, at);
        return (
          `host ${h.k}'s ${veth} down ${opts.seconds} s${agent ? `, its agent stopped (SIGSTOP) as long` : ' (its agent, in the main namespace, still reaches etcd)'}; ` +
          listingNote(s, `10.213.${h.slot}.2`, at, at + opts.seconds * 1000, opts.topo) +
          `; a dyno twice from the cut on: at most ${during.max} containers of one name (${during.dynos.join(', ') || 'none'}, longest ${secs(during.longestMs)})` +
          `; after the heal: each dyno once again after ${secs(single)} (the drain: ${opts.topo.drainMs} ms), past the drain at most ${dup.max} of one name (${dup.dynos.join(', ') || 'none'})`
        );
      },
    } satisfies Done;
  };
}
