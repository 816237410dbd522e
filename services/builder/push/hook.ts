import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { parseHookLines, planPush } from './hooklines.js';
import { BUILDS_PATH, HEADER_COMMIT, HEADER_PUSH, HEADER_REF, ResultReader } from './protocol.js';

// The pre-receive hook of every app repo (dist/services/builder/push/hook.js, run
// by the hook file the builder writes). It runs inside git's quarantine
// environment, so it can read the pushed objects: it streams `git archive` of
// the pushed commit to the builder's socket and copies the build output back
// to the pusher. Its exit status is the build's: non-zero refuses the push.
// Its own small process: the environment (set by the builder for
// receive-pack) is read here and nowhere else.

const say = (text: string) => process.stdout.write(text.endsWith('\n') ? text : text + '\n');
const fail = (message: string): number => {
  say(` !     ${message}`);
  return 1;
};

async function readStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk as string;
  return text;
}

async function main(): Promise<number> {
  const socketPath = process.env.PAAS_BUILDER_SOCKET;
  const token = process.env.PAAS_PUSH_TOKEN;
  if (!socketPath || !token) return fail('This repository only accepts pushes through the platform');
  const parsed = parseHookLines(await readStdin());
  if (!parsed.ok) return fail(parsed.message);
  const plan = planPush(parsed.updates);
  if (!plan.ok) return fail(plan.message);

  return new Promise<number>((resolve) => {
    let settled = false;
    const done = (code: number) => {
      if (!settled) {
        settled = true;
        resolve(code);
      }
    };
    const archive = spawn('git', ['archive', '--format=tar', plan.commit], { stdio: ['ignore', 'pipe', 'pipe'] });
    let archiveErr = '';
    archive.stderr.on('data', (d: Buffer) => (archiveErr += d.toString()));

    const req = request({
      socketPath,
      path: BUILDS_PATH,
      method: 'POST',
      headers: {
        'content-type': 'application/x-tar',
        [HEADER_PUSH]: token,
        [HEADER_COMMIT]: plan.commit,
        [HEADER_REF]: plan.ref,
      },
    });
    req.on('error', (err) => done(fail(`Lost the connection to the builder: ${err.message}`)));
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return done(fail(`The builder refused the push (HTTP ${res.statusCode})`));
      }
      const reader = new ResultReader();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const shown = reader.push(chunk);
        if (shown) process.stdout.write(shown);
      });
      res.on('aborted', () => done(fail('The build was interrupted')));
      res.on('error', () => done(fail('The build was interrupted')));
      res.on('end', () => {
        if (res.complete && reader.finish() === 'ok') return done(0);
        if (!res.complete) return done(fail('The build was interrupted'));
        if (reader.rest()) say(reader.rest());
        done(1);
      });
    });

    archive.stdout.pipe(req, { end: false });
    archive.on('error', (err) => {
      req.destroy();
      done(fail(`git archive failed: ${err.message}`));
    });
    archive.on('close', (code) => {
      if (code === 0) req.end();
      else {
        req.destroy();
        done(fail(`git archive failed: ${archiveErr.trim()}`));
      }
    });
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    fail(`The pre-receive hook failed: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);
