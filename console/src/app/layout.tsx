// What every page sits in: the skip link, the navigation (what the viewer may use, as `me`
// reports it), and the main region, whose heading gets focus and names the tab after each
// navigation.
import { useEffect, useRef, type ReactNode } from "react";
import { Link, useLocation } from "wouter";
import { useSignOut } from "../features/sessions/sign-out";
import { PERMISSIONS, type Codename } from "./permissions";
import { ADMIN_ONLY, allowed, useViewer } from "./viewer";

/** The administration pages, each shown to those who hold its permission. */
const ADMIN_PAGES: [href: string, label: string, needs: Codename | typeof ADMIN_ONLY][] = [
  ["/admin/users", "Users", PERMISSIONS.USERS_VIEW],
  ["/admin/groups", "Groups", PERMISSIONS.GROUPS_VIEW],
  ["/admin/permissions", "Permissions", PERMISSIONS.PERMISSIONS_VIEW],
  ["/admin/audit", "Audit log", PERMISSIONS.AUDIT_VIEW],
  ["/admin/identity-providers", "Identity providers", ADMIN_ONLY],
];

function NavItem({ href, label }: { href: string; label: string }) {
  const [location] = useLocation();
  const current = location === href || location.startsWith(`${href}/`);
  return (
    <li>
      <Link href={href} aria-current={current ? "page" : undefined}>
        {label}
      </Link>
    </li>
  );
}

function Navigation() {
  const { me } = useViewer();
  const signOut = useSignOut();
  return (
    <header>
      <nav aria-label="Main">
        <Link href="/" className="brand">
          Roster
        </Link>
        <ul>
          {me ? (
            <>
              <NavItem href="/account" label="Account" />
              {ADMIN_PAGES.filter(([, , needs]) => allowed(me, needs)).map(([href, label]) => (
                <NavItem key={href} href={href} label={label} />
              ))}
              <li>
                <a href="/graphql">GraphiQL</a>
              </li>
              <li>
                <button type="button" className="link" onClick={() => void signOut.here()}>
                  Sign out
                </button>
              </li>
            </>
          ) : (
            <>
              <NavItem href="/sign-in" label="Sign in" />
              <NavItem href="/register" label="Register" />
              <li>
                <a href="/graphql">GraphiQL</a>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}

/** After each navigation: the page's heading gets focus and names the tab. */
function useAnnouncePages() {
  const [location] = useLocation();
  const first = useRef(true);
  useEffect(() => {
    const timer = window.setTimeout(() => {
      const heading = document.querySelector<HTMLElement>("main h1");
      document.title = heading ? `${heading.textContent} · Roster` : "Roster";
      if (first.current) {
        first.current = false;
        return;
      }
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
    }, 0);
    return () => window.clearTimeout(timer);
  }, [location]);
}

export function Layout({ children }: { children: ReactNode }) {
  useAnnouncePages();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Navigation />
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
