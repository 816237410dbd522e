import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultLine } from '../../../../services/builder/push/protocol.js';
import { commitApp, compileHook, must } from '../harness.js';

// The compiled pre-receive hook against a stand-in builder socket: it sends
// the pushed commit as a tar, shows the output, and succeeds only on a
// complete response that ends with the "ok" result line.

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

describe('pre-receive hook protocol', () => {
  let dir: string;
  let hook: string;
  let repo: string;
  let commit: string;
  let server: Server;
  let behaviour: Behaviour;
  let received: { headers: IncomingMessage['headers']; body: Buffer } | undefined;
  const lastRequest = () => received;
  const socket = () => join(dir, 'b.sock');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paas-hook-'));
    hook = await compileHook(dir);
    repo = join(dir, 'work');
    await mkdir(repo);
    commit = await commitApp(repo, { 'package.json': '{"name":"x"}\n', 'server.js': 'x\n' });
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received = { headers: req.headers, body: Buffer.concat(chunks) };
        behaviour(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(socket(), resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  function runHook(input: string): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [hook], {
        cwd: repo,
        env: {
          PATH: process.env.PATH,
          GIT_DIR: join(repo, '.git'),
          PAAS_BUILDER_SOCKET: socket(),
          PAAS_PUSH_TOKEN: 'tok',
        },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
      child.stdin.end(input);
    });
  }
  const line = () => `${'0'.repeat(40)} ${commit} refs/heads/main\n`;

  it('streams git archive of the commit and succeeds on a complete "ok" response', async () => {
    behaviour = (_req, res) => {
      res.writeHead(200);
      res.write('-----> building\n');
      res.end(resultLine('ok'));
    };
    received = undefined;
    const r = await runHook(line());
    expect(r).toEqual({ code: 0, stdout: '-----> building\n' });
    expect(lastRequest()?.headers).toMatchObject({
      'x-paas-push': 'tok',
      'x-paas-commit': commit,
      'x-paas-ref': 'refs/heads/main',
    });
    const tarFile = join(dir, 'got.tar');
    await writeFile(tarFile, lastRequest()?.body ?? Buffer.alloc(0));
    const list = await must('tar', ['-tf', tarFile]);
    expect(list.stdout.split('\n').sort()).toEqual(['', 'package.json', 'server.js']);
  });

  it.each<[string, Behaviour, RegExp]>([
    ['a failed result', (_q, res) => res.writeHead(200).end(`oops\n${resultLine('failed')}`), /^oops\n$/],
    ['no result line', (_q, res) => res.writeHead(200).end('-----> building\n'), /^-----> building\n$/],
    [
      'a connection cut mid-stream',
      (_q, res) => {
        res.writeHead(200);
        res.write('-----> building\n', () => res.socket?.destroy());
      },
      /The build was interrupted/,
    ],
    ['output after the result', (_q, res) => res.writeHead(200).end(`${resultLine('ok')}more\n`), /^more\n$/],
    ['an error status', (_q, res) => res.writeHead(403).end('unknown push\n'), /refused the push \(HTTP 403\)/],
  ])('fails on %s', async (_name, b, shown) => {
    behaviour = b;
    const r = await runHook(line());
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(shown);
  });

  it('refuses other branches without calling the builder', async () => {
    received = undefined;
    const r = await runHook(`${'0'.repeat(40)} ${commit} refs/heads/dev\n`);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(' !     Pushing to refs/heads/dev is not allowed');
    expect(lastRequest()).toBeUndefined();
  });
});
