import { Link } from '../router.js';
import type { Session } from '../types.js';

/** The bar on every page: the way home, the user's email, logout. */
export function Header({ session, onLogout }: { session: Session; onLogout: () => void }) {
  return (
    <header class="topbar">
      <Link href="/" class="brand">
        <span class="logo">paas</span>
      </Link>
      <nav class="topnav">
        <Link href="/">Apps</Link>
      </nav>
      <div class="account">
        <span class="email" data-testid="header-email">
          {session.email}
        </span>
        {session.admin && <span class="badge badge-admin">admin</span>}
        <button type="button" class="link-button" onClick={onLogout} data-testid="logout">
          Log out
        </button>
      </div>
    </header>
  );
}
