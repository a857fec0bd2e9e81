// The console's shell: navigation by what the viewer may use (as `me` reports it) and the
// routes. Signed-out visitors reach only the sign-in pages and the mailed links' pages.
import { useEffect, useRef } from "react";
import { Link, Redirect, Route, Switch, useLocation } from "wouter";
import { useMutation } from "urql";
import { graphql } from "./gql";
import { allowed, useViewer } from "./viewer";
import {
  ForgotPassword,
  Register,
  ResetPassword,
  SignIn,
  VerifyEmail,
  returnTo,
} from "./pages/auth";
import { Account } from "./pages/account";
import { Users } from "./pages/users";
import { UserPage } from "./pages/user";
import { GroupPage, Groups, Permissions } from "./pages/groups";
import { Audit } from "./pages/audit";

const SIGN_OUT = graphql(`
  mutation SignOut($refreshToken: String) {
    logout(refreshToken: $refreshToken)
  }
`);

function Navigation() {
  const { me, session } = useViewer();
  const [, signOut] = useMutation(SIGN_OUT);
  const [location, navigate] = useLocation();
  const item = (href: string, label: string) => (
    <li>
      <Link
        href={href}
        aria-current={location === href || location.startsWith(`${href}/`) ? "page" : undefined}
      >
        {label}
      </Link>
    </li>
  );
  return (
    <header>
      <nav aria-label="Main">
        <Link href="/" className="brand">
          Roster
        </Link>
        <ul>
          {me ? (
            <>
              {item("/account", "Account")}
              {allowed(me, "users.view") && item("/admin/users", "Users")}
              {allowed(me, "groups.view") && item("/admin/groups", "Groups")}
              {allowed(me, "permissions.view") && item("/admin/permissions", "Permissions")}
              {allowed(me, "audit.view") && item("/admin/audit", "Audit log")}
              <li>
                <a href="/graphql">GraphiQL</a>
              </li>
              <li>
                <button
                  type="button"
                  className="link"
                  onClick={async () => {
                    await signOut({ refreshToken: session.refreshToken });
                    session.end();
                    navigate("/sign-in");
                  }}
                >
                  Sign out
                </button>
              </li>
            </>
          ) : (
            <>
              {item("/sign-in", "Sign in")}
              {item("/register", "Register")}
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

/** A page for signed-in viewers only. */
function Private({ children }: { children: React.ReactNode }) {
  const { me, loading, unreachable, refetch } = useViewer();
  if (loading) return <p>Loading…</p>;
  if (unreachable) {
    return (
      <p className="problem" role="alert">
        Roster could not be reached; you are still signed in.{" "}
        <button type="button" onClick={refetch}>
          Try again
        </button>
      </p>
    );
  }
  if (!me) return <SignInFirst />;
  return <>{children}</>;
}

/** Sends a signed-out visitor to sign in, and back here afterwards. */
function SignInFirst() {
  const [location] = useLocation();
  const search = window.location.search;
  return <Redirect to={`/sign-in?next=${encodeURIComponent(location + search)}`} />;
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

/** On `/sign-in` while signed in: on to where the visitor was going. */
function SignedIn() {
  return <Redirect to={returnTo(new URLSearchParams(window.location.search).get("next"))} />;
}

export function App() {
  const { me, loading } = useViewer();
  useAnnouncePages();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <Navigation />
      <main id="main" tabIndex={-1}>
        <Switch>
          <Route path="/">
            {loading ? <p>Loading…</p> : <Redirect to={me ? "/account" : "/sign-in"} />}
          </Route>
          <Route path="/sign-in">{me ? <SignedIn /> : <SignIn />}</Route>
          <Route path="/register">{me ? <Redirect to="/account" /> : <Register />}</Route>
          <Route path="/forgot-password" component={ForgotPassword} />
          <Route path="/reset-password" component={ResetPassword} />
          <Route path="/verify-email" component={VerifyEmail} />
          <Route path="/account">
            <Private>
              <Account />
            </Private>
          </Route>
          <Route path="/admin/users">
            <Private>
              <Users />
            </Private>
          </Route>
          <Route path="/admin/users/:id">
            {(params) => (
              <Private>
                <UserPage id={params.id} />
              </Private>
            )}
          </Route>
          <Route path="/admin/groups">
            <Private>
              <Groups />
            </Private>
          </Route>
          <Route path="/admin/groups/:id">
            {(params) => (
              <Private>
                <GroupPage id={params.id} />
              </Private>
            )}
          </Route>
          <Route path="/admin/permissions">
            <Private>
              <Permissions />
            </Private>
          </Route>
          <Route path="/admin/audit">
            <Private>
              <Audit />
            </Private>
          </Route>
          <Route>
            <h1>Not found</h1>
            <p>
              There is no such page. <Link href="/">Go to the start</Link>
            </p>
          </Route>
        </Switch>
      </main>
    </>
  );
}
