import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Logger } from '../core/logger.js';
import { answerHeaders, upstreamRequestHeaders } from './policy.js';

// /api/<path> -> <PAAS_API_URL>/<path>, streamed both ways with node:http:
// the request's body goes up as it comes (no parsing here), the answer
// comes down as the API writes it (a log session's stream never ends, a
// build's output grows), with the API's status and the headers policy.ts
// lets through. The browser's cookies and credentials stay here: the API
// sees the session's token only. A browser that goes away (a closed tab,
// a stopped log stream) ends the request to the API at once, so an endless
// stream does not outlive its reader.

export interface ApiProxyOptions {
  /** The API's base URL (PAAS_API_URL). */
  apiUrl: string;
  log: Logger;
  /** Counts each answer (metrics.ts), by status; `failed` when the API could not be reached. */
  onAnswer?: (status: number | 'failed') => void;
}

export class ApiProxy {
  private readonly base: URL;
  private readonly agent: HttpAgent;
  private readonly open = new Set<() => void>();

  constructor(private readonly opts: ApiProxyOptions) {
    this.base = new URL(opts.apiUrl);
    const secure = this.base.protocol === 'https:';
    this.agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  /** Requests in flight (log streams included). */
  get inFlight(): number {
    return this.open.size;
  }

  /** Passes `req` on to the API's `path` (with its query) with the session's token, and its answer back to `res`. */
  forward(req: IncomingMessage, res: ServerResponse, path: string, token: string): void {
    const { log, onAnswer } = this.opts;
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const send = this.base.protocol === 'https:' ? httpsRequest : httpRequest;
    const upstream = send({
      protocol: this.base.protocol,
      hostname: this.base.hostname.replace(/^\[|\]$/g, ''),
      port: this.base.port || undefined,
      method: req.method,
      path: basePath + path,
      headers: upstreamRequestHeaders(req.headers, token, req.socket.remoteAddress),
      agent: this.agent,
    });
    const abort = () => {
      if (!upstream.destroyed) upstream.destroy();
    };
    this.open.add(abort);
    const done = () => this.open.delete(abort);

    upstream.on('response', (answer) => {
      const status = answer.statusCode ?? 502;
      onAnswer?.(status);
      res.writeHead(status, answerHeaders(answer.headers));
      // each chunk as it comes: no Nagle delay on a log line
      res.socket?.setNoDelay(true);
      res.flushHeaders();
      answer.pipe(res);
      answer.on('error', () => res.destroy());
      answer.on('close', () => {
        done();
        // the API went away mid-answer: the browser must not take a cut answer for a whole one
        if (!answer.complete) res.destroy();
      });
    });
    upstream.on('error', (err) => {
      done();
      if (res.writableEnded || res.destroyed) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      log.warn({ err: { message: err.message, code: (err as NodeJS.ErrnoException).code } }, 'the API does not answer');
      onAnswer?.('failed');
      res
        .writeHead(502, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify({ id: 'unavailable', message: 'The platform API does not answer; try again shortly.' }));
    });
    // the browser gone before the answer ended: the API's side goes too
    res.on('close', () => {
      if (!res.writableFinished) abort();
      done();
    });
    req.on('error', abort);
    req.pipe(upstream);
  }

  /** Ends every request in flight (at stop: log streams would keep the server open) and the kept-alive sockets. */
  close(): void {
    for (const abort of [...this.open]) abort();
    this.open.clear();
    this.agent.destroy();
  }
}
