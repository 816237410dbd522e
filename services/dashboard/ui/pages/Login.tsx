// The login page: an API token (`paas auth:token`), or the email and
// password of an account that has set one (`paas account:password`).

import { useState } from 'preact/hooks';
import { login, messageOf, type Credentials } from '../api.js';
import type { Session } from '../types.js';

type Mode = 'token' | 'password';

export function Login({ onLogin }: { onLogin: (s: Session) => void }) {
  const [mode, setMode] = useState<Mode>('token');
  const [token, setToken] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  const submit = async (e: Event) => {
    e.preventDefault();
    const credentials: Credentials = mode === 'token' ? { token: token.trim() } : { email: email.trim(), password };
    setBusy(true);
    setError(undefined);
    try {
      onLogin(await login(credentials));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="card login-card" onSubmit={submit} data-testid="login-form">
        <h1 class="login-title">
          <span class="logo">paas</span> dashboard
        </h1>
        <div class="switch" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'token'}
            class={mode === 'token' ? 'active' : ''}
            onClick={() => setMode('token')}
            data-testid="login-mode-token"
          >
            API token
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'password'}
            class={mode === 'password' ? 'active' : ''}
            onClick={() => setMode('password')}
            data-testid="login-mode-password"
          >
            Email and password
          </button>
        </div>
        {mode === 'token' ? (
          <label>
            API token
            <input
              type="password"
              name="token"
              autoComplete="off"
              required
              value={token}
              onInput={(e) => setToken(e.currentTarget.value)}
              data-testid="login-token"
            />
            <small>
              <code>paas tokens:create</code> makes one.
            </small>
          </label>
        ) : (
          <>
            <label>
              Email
              <input
                type="email"
                name="email"
                autoComplete="username"
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
                data-testid="login-email"
              />
            </label>
            <label>
              Password
              <input
                type="password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
                data-testid="login-password"
              />
              <small>
                Set one with <code>paas account:password</code>.
              </small>
            </label>
          </>
        )}
        {error && (
          <div class="error" role="alert" data-testid="login-error">
            {error}
          </div>
        )}
        <button type="submit" class="primary" disabled={busy} data-testid="login-submit">
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
