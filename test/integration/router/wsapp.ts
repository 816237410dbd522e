import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import type { TestApp } from './helpers.js';

// A test app that speaks HTTP and websockets on one port: HTTP answers its
// body as JSON; a websocket first sends the headers its upgrade request
// carried, then echoes every message as "<body>:<message>". It counts the
// requests it saw, so a test can tell whether the router retried one.

export interface WsTestApp extends TestApp {
  /** Requests seen, by method (upgrades not counted). */
  seen: Map<string, number>;
  /** Open websockets on this app. */
  sockets: Set<WebSocket>;
}

export type Behaviour = 'answer' | 'reset' | 'own-502';

export async function startWsApp(body: string, behaviour: Behaviour = 'answer'): Promise<WsTestApp> {
  const seen = new Map<string, number>();
  const sockets = new Set<WebSocket>();
  const srv: Server = createServer((req, res) => {
    seen.set(req.method ?? '', (seen.get(req.method ?? '') ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      if (behaviour === 'reset') return req.socket.destroy();
      res.statusCode = behaviour === 'own-502' ? 502 : 200;
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-request-id', 'set-by-the-app');
      res.end(JSON.stringify({ body, method: req.method, url: req.url, headers: req.headers }));
    });
  });
  const wss = new WebSocketServer({ server: srv });
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.send(JSON.stringify({ body, headers: req.headers }));
    ws.on('message', (data) => ws.send(`${body}:${data.toString()}`));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return {
    port,
    address: `127.0.0.1:${port}`,
    seen,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}

export interface WsClient {
  ws: WebSocket;
  /** The first message: what the app saw of the upgrade request. */
  hello: { body: string; headers: Record<string, string> };
  /** Sends `text` and resolves with the next message. */
  echo(text: string): Promise<string>;
}

/** Opens a websocket through the router at 127.0.0.1:port with this Host. */
export function openWs(port: number, host: string, headers: Record<string, string> = {}): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`, { headers: { host, ...headers } });
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('message', (data) => {
      const hello = JSON.parse(data.toString()) as WsClient['hello'];
      const echo = (text: string) =>
        new Promise<string>((res, rej) => {
          ws.once('message', (d) => res(d.toString()));
          ws.once('close', () => rej(new Error('websocket closed')));
          ws.send(text);
        });
      resolve({ ws, hello, echo });
    });
  });
}
