import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, type RawData } from 'ws';
import { Store } from '../../../services/core/store.js';
import { uniquePrefix } from '../../support/env.js';
import { call, meshed, startCtl, until, type Ctl, startPair, type Pair } from './harness.js';

// `paas run` with two controllers (issue 19): the agent's side of the
// rendezvous on one, the user's on the other. The agent's protocol is spoken
// here by a real websocket client (as services/agent/attach.ts speaks it);
// the controllers under test are real.

const prefix = uniquePrefix('ha-run');
const internal = 'internal-ha-run-0123456789';
let pair: Pair | undefined;
let store: Store;
let a: Ctl;
let b: Ctl;
let admin = '';
const app = 'harun';

interface Side {
  ws: WebSocket;
  frames: Array<{ text?: string; channel?: number; data?: string }>;
  closed: Promise<{ code: number; reason: string }>;
}

function side(url: string, headers: Record<string, string> = {}): Promise<Side> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const frames: Side['frames'] = [];
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    ws.on('message', (d: RawData, binary: boolean) => {
      const buf = Buffer.from(d as Buffer);
      frames.push(binary ? { channel: buf[0] as number, data: buf.subarray(1).toString() } : { text: buf.toString() });
    });
    ws.on('open', () => resolve({ ws, frames, closed }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(new Error(`refused ${res.statusCode}: ${body}`)));
    });
    ws.on('error', reject);
  });
}

const agentAt = (c: Ctl, name: string) =>
  side(`${c.url.replace('http', 'ws')}/internal/rendezvous/${app}/${name}`, { authorization: `Bearer ${internal}` });
const frame = (channel: number, text: string) => Buffer.concat([Buffer.from([channel]), Buffer.from(text)]);
const has = (s: Side, f: Side['frames'][number]) => s.frames.some((x) => JSON.stringify(x) === JSON.stringify(f));

async function newRun(on: Ctl): Promise<{ name: string; attachUrl: string }> {
  const r = await call(on.url, 'POST', `/apps/${app}/dynos`, admin, { command: 'bash', attach: true });
  expect(r.status).toBe(201);
  return { name: r.body.name, attachUrl: r.body.attach_url };
}

beforeAll(async () => {
  pair = await startPair(prefix, internal);
  ({ store, a, b, admin } = pair);
  expect((await call(a.url, 'POST', '/apps', admin, { name: app })).status).toBe(201);
  const rel = await call(a.url, 'POST', `/internal/apps/${app}/releases`, internal, {
    image: 'example/run:1',
    processTypes: {},
    description: 'test',
  });
  expect(rel.status).toBe(201);
});

afterAll(async () => {
  await pair?.stop();
});

describe('paas run across two controllers', () => {
  it('relays both ways with the agent on A and the user on B; the secret is one-time on both', async () => {
    const { name, attachUrl } = await newRun(b);
    expect(attachUrl.startsWith(b.url.replace('http', 'ws'))).toBe(true);
    const agent = await agentAt(a, name);
    await until(async () => (await store.get<{ id: string }>(store.keys.rendezvous(app, name)))?.id === 'ctl-a');
    const user = await side(attachUrl);
    await until(() => has(agent, { text: '{"attached":true}' }), 5000, 'the go');
    // a second attach with the same secret, on either controller, is refused while the first is there
    await expect(side(attachUrl)).rejects.toThrow('refused 409');
    await expect(side(attachUrl.replace(b.url.replace('http', 'ws'), a.url.replace('http', 'ws')))).rejects.toThrow(
      'refused 409',
    );
    user.ws.send(frame(0, 'echo hi\n'), { binary: true });
    user.ws.send(JSON.stringify({ resize: { cols: 100, rows: 30 } }));
    await until(() => has(agent, { channel: 0, data: 'echo hi\n' }), 5000, 'stdin at the agent');
    await until(() => has(agent, { text: '{"resize":{"cols":100,"rows":30}}' }), 5000, 'the resize');
    agent.ws.send(frame(1, 'hi\n'), { binary: true });
    agent.ws.send(frame(2, 'warn\n'), { binary: true });
    await until(() => has(user, { channel: 1, data: 'hi\n' }) && has(user, { channel: 2, data: 'warn\n' }));
    agent.ws.send(JSON.stringify({ exit: 3 }));
    agent.ws.close(1000, 'dyno exited');
    expect(await user.closed).toEqual({ code: 1000, reason: 'dyno exited' });
    expect(has(user, { text: '{"exit":3}' })).toBe(true);
    // the holder removed its claim
    await until(async () => (await store.get(store.keys.rendezvous(app, name))) === undefined);
  });

  it('relays the agent to B when the user came first there, with what the user typed before', async () => {
    const { name, attachUrl } = await newRun(a);
    const onB = attachUrl.replace(a.url.replace('http', 'ws'), b.url.replace('http', 'ws'));
    const user = await side(onB);
    user.ws.send(frame(0, 'early\n'), { binary: true });
    await until(async () => (await store.get<{ id: string }>(store.keys.rendezvous(app, name)))?.id === 'ctl-b');
    const agent = await agentAt(a, name);
    await until(() => has(agent, { text: '{"attached":true}' }), 5000, 'the go');
    await until(() => has(agent, { channel: 0, data: 'early\n' }), 5000, 'the early stdin');
    agent.ws.send(frame(1, 'out\n'), { binary: true });
    await until(() => has(user, { channel: 1, data: 'out\n' }));
    // the user leaves: the agent is told (it stops the dyno)
    user.ws.close(1000, 'bye');
    expect((await agent.closed).code).toBe(1000);
  });

  it('ends the relayed side when the holder goes away', async () => {
    const { name, attachUrl } = await newRun(b);
    const c = await startCtl('ctl-c', prefix, internal, 2);
    await meshed([a, b, c]);
    const agent = await agentAt(c, name);
    await until(async () => (await store.get<{ id: string }>(store.keys.rendezvous(app, name)))?.id === 'ctl-c');
    const user = await side(attachUrl);
    await until(() => has(agent, { text: '{"attached":true}' }), 5000, 'the go');
    await c.kill();
    const closed = await user.closed;
    expect(closed.code).toBeGreaterThanOrEqual(4000);
  });
});
