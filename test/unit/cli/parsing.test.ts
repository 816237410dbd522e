import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../../cli/api.js';
import { appInfoText } from '../../../cli/commands/apps/info.js';
import { defaultKeyFiles } from '../../../cli/commands/keys/add.js';
import { releasesTable } from '../../../cli/commands/releases/format.js';
import { credentialsPath, effectiveCredentials, normaliseApiUrl } from '../../../cli/credentials.js';
import { formatDate, keyValues, table } from '../../../cli/format.js';
import { appFromGitUrl } from '../../../cli/git.js';

describe('appFromGitUrl', () => {
  it('reads the app from the URLs paas and others hand out', () => {
    expect(appFromGitUrl('ssh://git@127.0.0.1:2222/my-app.git')).toBe('my-app');
    expect(appFromGitUrl('ssh://git@paas.example.com/my-app.git/')).toBe('my-app');
    expect(appFromGitUrl('git@paas.example.com:sunny-falcon-4821.git')).toBe('sunny-falcon-4821');
    expect(appFromGitUrl('https://git.example.com/team/api.git')).toBe('api');
  });
  it('finds no app where the URL names none', () => {
    expect(appFromGitUrl('ssh://git@host:2222/')).toBeUndefined();
    expect(appFromGitUrl('https://github.com/me/My_Repo.git')).toBeUndefined();
    expect(appFromGitUrl('/srv/repos/app')).toBeUndefined();
  });
});

describe('table', () => {
  it('aligns columns with two spaces and a rule under the header, no trailing blanks', () => {
    expect(
      table(
        [
          ['v10', 'Deploy abc', 'a@b.c'],
          ['v9', 'Set X', ''],
        ],
        ['Version', 'Description', 'User'],
      ),
    ).toBe(
      [
        'Version  Description  User',
        '───────  ───────────  ─────',
        'v10      Deploy abc   a@b.c',
        'v9       Set X',
      ].join('\n'),
    );
  });
  it('works without a header and with ragged rows', () => {
    expect(table([['a'], ['bb', 'c']])).toBe('a\nbb  c');
    expect(table([])).toBe('');
  });
});

describe('keyValues and formatDate', () => {
  it('aligns values after the keys', () => {
    expect(
      keyValues([
        ['Git URL', 'ssh://x'],
        ['Owner', 'me'],
      ]),
    ).toBe('Git URL:  ssh://x\nOwner:    me');
  });
  it('shows ISO times as UTC dates, and other text as it is', () => {
    expect(formatDate('2024-05-01T10:20:30.123Z')).toBe('2024/05/01 10:20:30 UTC');
    expect(formatDate('yesterday')).toBe('yesterday');
  });
});

describe('errorMessage', () => {
  it("prefers the API's own message", () => {
    expect(errorMessage(404, JSON.stringify({ id: 'not_found', message: "Couldn't find that app." }))).toBe(
      "Couldn't find that app.",
    );
  });
  it('falls back to the status and the text', () => {
    expect(errorMessage(502, '<html>Bad gateway</html>')).toBe('The API answered 502: <html>Bad gateway</html>');
    expect(errorMessage(500, '')).toBe('The API answered 500');
  });
});

describe('credentials', () => {
  it('lets the environment win over the file, with a default API', () => {
    expect(effectiveCredentials({}, {})).toEqual({ api: 'http://127.0.0.1:8700', token: undefined });
    expect(effectiveCredentials({ api: 'http://a:1/', token: 't1' }, {})).toEqual({ api: 'http://a:1', token: 't1' });
    expect(
      effectiveCredentials({ api: 'http://a:1', token: 't1' }, { PAAS_API_URL: 'http://b:2', PAAS_TOKEN: 't2' }),
    ).toEqual({ api: 'http://b:2', token: 't2' });
  });
  it('keeps the file in $PAAS_CONFIG_DIR, else ~/.config/paas', () => {
    expect(credentialsPath({ PAAS_CONFIG_DIR: '/etc/x' }, '/home/me')).toBe('/etc/x/credentials.json');
    expect(credentialsPath({}, '/home/me')).toBe('/home/me/.config/paas/credentials.json');
  });
  it('accepts only http(s) API URLs', () => {
    expect(normaliseApiUrl('https://paas.example.com/')).toBe('https://paas.example.com');
    expect(() => normaliseApiUrl('ftp://x')).toThrow(/http/);
    expect(() => normaliseApiUrl('localhost:8700')).toThrow();
    expect(() => normaliseApiUrl('nonsense')).toThrow(/Not a URL/);
  });
});

describe('command output', () => {
  it('lists releases newest first', () => {
    const r = (version: number, email: string | null) => ({
      id: `a-v${version}`,
      version,
      description: `Deploy ${version}`,
      commit: null,
      created_at: '2024-01-02T03:04:05.000Z',
      user: { id: 'u1', email },
      status: 'succeeded' as const,
      failure: null,
    });
    const lines = releasesTable([r(1, 'me@x.io'), r(2, null)]).split('\n');
    expect(lines[2]).toBe('v2       Deploy 2     u1       2024/01/02 03:04:05 UTC');
    expect(lines[3]).toBe('v1       Deploy 1     me@x.io  2024/01/02 03:04:05 UTC');
  });
  it('shows an app with no release yet', () => {
    const text = appInfoText({
      id: 'i',
      name: 'my-app',
      owner: { id: 'u', email: 'me@x.io' },
      created_at: '2024-01-02T03:04:05Z',
      web_url: 'http://my-app.localhost/',
      https_url: 'https://my-app.localhost/',
      git_url: 'ssh://git@h:2222/my-app.git',
      release: null,
      maintenance: false,
      pool: null,
      dyno_state: null,
      sleeping_since: null,
      state: 'idle',
    });
    expect(text).toContain('State:      idle\n');
    expect(text).toContain(
      '=== my-app\nGit URL:    ssh://git@h:2222/my-app.git\nOwner:      me@x.io\nWeb URL:    http://my-app.localhost/\nHTTPS URL:  https://my-app.localhost/\nRelease:    none yet',
    );
  });
  it('tries ed25519 before rsa', () => {
    expect(defaultKeyFiles('/h')).toEqual(['/h/.ssh/id_ed25519.pub', '/h/.ssh/id_rsa.pub']);
  });
});
