// The dashboard's shell: the session (asked for at start, replaced at login,
// dropped at logout or on any 401), the header and the page the path names.

import { useEffect, useState } from 'preact/hooks';
import { currentSession, logout, messageOf, setSession } from './api.js';
import { Header } from './components/Header.js';
import { ErrorBox, Loading } from './components/common.js';
import { AppPage } from './pages/AppPage.js';
import { AppsList } from './pages/AppsList.js';
import { Login } from './pages/Login.js';
import { routeOf } from './routes.js';
import { Link, usePath } from './router.js';
import type { Session } from './types.js';

export function App() {
  // undefined: not known yet; null: logged out
  const [session, setState] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const path = usePath();

  const use = (s: Session | null) => {
    setSession(s, () => use(null));
    setState(s);
  };

  useEffect(() => {
    currentSession()
      .then(use)
      .catch((err: unknown) => setError(messageOf(err)));
  }, []);

  useEffect(() => {
    const route = routeOf(path);
    document.title = route.page === 'app' ? `${route.app} · paas` : 'paas dashboard';
  }, [path]);

  if (error) return <ErrorBox error={`The dashboard cannot reach its server: ${error}`} />;
  if (session === undefined) return <Loading />;
  if (session === null) return <Login onLogin={use} />;

  const out = async () => {
    try {
      await logout();
    } finally {
      use(null);
    }
  };

  const route = routeOf(path);
  return (
    <>
      <Header session={session} onLogout={() => void out()} />
      <main class="content">
        {route.page === 'apps' && <AppsList />}
        {route.page === 'app' && <AppPage key={route.app} app={route.app} tab={route.tab} id={route.id} />}
        {route.page === 'not-found' && (
          <div class="card empty" data-testid="not-found">
            Nothing here. <Link href="/">Back to your apps</Link>
          </div>
        )}
      </main>
    </>
  );
}
