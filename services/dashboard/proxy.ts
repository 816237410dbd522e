import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { apiUrls, isUnreachable, type ApiUrls } from '../core/apiurls.js';
import type { Logger } from '../core/logger.js';
import { answerHeaders, upstreamRequestHeaders } from './policy.js';

// /api/<path> -> <PAAS_API_URL>/<path> (the controller that last answered, of
// one or several), streamed both ways with node:http:
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
  /** PAAS_API_URL's controllers (one or several): each request goes to the one that last answered (core/apiurls.ts). */
  private readonly urls: ApiUrls;
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  private readonly open = new Set<() => void>();

  constructor(private readonly opts: ApiProxyOptions) {
    this.urls = apiUrls(opts.apiUrl);
  }

  /** Requests in flight (log streams included). */
  get inFlight(): number {
    return this.open.size;
  }

  /** Passes `req` on to the API's `path` (with its query) with the session's token, and its answer back to `res`. */
  forward(req: IncomingMessage, res: ServerResponse, path: string, token: string): void {
    this.attempt(req, res, path, token, this.urls.order());
  }

  /**
   * One try on the first of `order`. A controller that cannot be reached is passed over for the next requests; a
   * request without a body is tried on the next one at once (a body already sent cannot be sent again: 502).
   */
  private attempt(req: IncomingMessage, res: ServerResponse, path: string, token: string, order: string[]): void {
    const { log, onAnswer } = this.opts;
    const baseText = order[0] as string;
    const base = new URL(baseText);
    const bodyless = req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
    const basePath = base.pathname.replace(/\/+$/, '');
    const secure = base.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const upstream = send({
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[|\]$/g, ''),
      port: base.port || undefined,
      method: req.method,
      path: basePath + path,
      headers: upstreamRequestHeaders(req.headers, token, req.socket.remoteAddress),
      agent: secure ? this.agents.https : this.agents.http,
    });
    const abort = () => {
      if (!upstream.destroyed) upstream.destroy();
    };
    this.open.add(abort);
    const done = () => this.open.delete(abort);

    upstream.on('response', (answer) => {
      const status = answer.statusCode ?? 502;
      this.urls.worked(baseText);
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
      if (isUnreachable(err)) {
        this.urls.failed(baseText);
        if (bodyless && order.length > 1) return this.attempt(req, res, path, token, order.slice(1));
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
    if (bodyless) upstream.end();
    else req.pipe(upstream);
  }

  /** Ends every request in flight (at stop: log streams would keep the server open) and the kept-alive sockets. */
  close(): void {
    for (const abort of [...this.open]) abort();
    this.open.clear();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
