import { describe, expect, it } from 'vitest';
import { parseGitCommand } from '../../../../services/builder/push/commands.js';

describe('parseGitCommand', () => {
  it.each([
    [`git-receive-pack '/my-app.git'`, 'my-app'],
    [`git-receive-pack 'my-app.git'`, 'my-app'],
    [`git-receive-pack "/my-app.git"`, 'my-app'],
    [`git-receive-pack /my-app.git`, 'my-app'],
    [`git-receive-pack 'my-app'`, 'my-app'],
    [`git receive-pack 'my-app.git'`, 'my-app'],
    [`  git-receive-pack '/ab.git'  `, 'ab'],
  ])('accepts %s', (cmd, app) => {
    expect(parseGitCommand(cmd)).toEqual({ ok: true, service: 'git-receive-pack', app });
  });

  it('refuses fetches for now, with a message', () => {
    const r = parseGitCommand(`git-upload-pack '/my-app.git'`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/not supported yet/);
  });

  it.each([
    `ls -la`,
    `git-receive-pack '/../etc.git'`,
    `git-receive-pack '/a/b.git'`,
    `git-receive-pack '/My-App.git'`,
    `git-receive-pack '/my-app.git'; rm -rf /`,
    `git-receive-pack '/my-app.git' extra`,
    `git-receive-pack '/-app.git'`,
    `git-receive-pack '/my--app.git'`,
    `git-receive-pack ''`,
    `git-receive-pack`,
    ``,
  ])('refuses %j', (cmd) => {
    expect(parseGitCommand(cmd).ok).toBe(false);
  });
});
