// Which page each path shows, and who may see it: signed-out visitors reach only the sign-in
// pages, the mailed links' pages and the page a provider sign-in returns to; an administration
// page also needs its permission (or to be an ADMIN), as `me` reports it; an account the API
// requires to add a second factor first sees only the two-factor page until it has.
import type { ReactNode } from "react";
import { Link, Redirect, Route, Switch, useLocation } from "wouter";
import { Forbidden } from "../components/forbidden";
import { AccountPage } from "../features/account/account-page";
import { AuditPage } from "../features/audit/audit-page";
import { ForgotPassword } from "../features/auth/forgot-password";
import { Register } from "../features/auth/register";
import { ResetPassword } from "../features/auth/reset-password";
import { returnTo } from "../features/auth/return-to";
import { SignIn } from "../features/auth/sign-in";
import { TwoFactorPage } from "../features/two-factor/two-factor-page";
import { VerifyEmail } from "../features/auth/verify-email";
import { GroupPage } from "../features/groups/group-page";
import { GroupsPage } from "../features/groups/groups-page";
import { PermissionsPage } from "../features/permissions/permissions-page";
import { UserPage } from "../features/users/user-page";
import { UsersPage } from "../features/users/users-page";
import { IdentityProvidersPage } from "../features/identity-providers/identity-providers-page";
import { OAuthComplete } from "../features/identity/oauth-complete";
import { COMPLETE_PATH } from "../features/identity/flow";
import { PERMISSIONS, type Codename } from "./permissions";
import { ADMIN_ONLY, allowed, useViewer } from "./viewer";

/** A page for signed-in viewers only, and of those for holders of `needs` when given. */
function Private({
  needs,
  children,
}: {
  needs?: Codename | typeof ADMIN_ONLY;
  children: ReactNode;
}) {
  const { me, loading, unreachable, enrollmentRequired, refetch } = useViewer();
  const [location] = useLocation();
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
  if (enrollmentRequired && !me.mfaEnabled && location !== TWO_FACTOR) {
    return <Redirect to={TWO_FACTOR} />;
  }
  if (needs && !allowed(me, needs)) return <Forbidden />;
  return <>{children}</>;
}

/** The page where the viewer sets up two-factor authentication. */
const TWO_FACTOR = "/account/two-factor";

/** Sends a signed-out visitor to sign in, and back here afterwards. */
function SignInFirst() {
  const [location] = useLocation();
  const search = window.location.search;
  return <Redirect to={`/sign-in?next=${encodeURIComponent(location + search)}`} />;
}

/** On `/sign-in` while signed in: on to where the visitor was going. */
function SignedIn() {
  return <Redirect to={returnTo(new URLSearchParams(window.location.search).get("next"))} />;
}

export function Routes() {
  const { me, loading } = useViewer();
  return (
    <Switch>
      <Route path="/">
        {loading ? <p>Loading…</p> : <Redirect to={me ? "/account" : "/sign-in"} />}
      </Route>
      <Route path="/sign-in">{me ? <SignedIn /> : <SignIn />}</Route>
      <Route path="/register">{me ? <Redirect to="/account" /> : <Register />}</Route>
      <Route path="/forgot-password" component={ForgotPassword} />
      <Route path="/reset-password" component={ResetPassword} />
      <Route path="/verify-email" component={VerifyEmail} />
      <Route path={COMPLETE_PATH} component={OAuthComplete} />
      <Route path="/account">
        <Private>
          <AccountPage />
        </Private>
      </Route>
      <Route path={TWO_FACTOR}>
        <Private>
          <TwoFactorPage />
        </Private>
      </Route>
      <Route path="/admin/users">
        <Private needs={PERMISSIONS.USERS_VIEW}>
          <UsersPage />
        </Private>
      </Route>
      <Route path="/admin/users/:id">
        {(params) => (
          <Private needs={PERMISSIONS.USERS_VIEW}>
            <UserPage id={params.id} />
          </Private>
        )}
      </Route>
      <Route path="/admin/groups">
        <Private needs={PERMISSIONS.GROUPS_VIEW}>
          <GroupsPage />
        </Private>
      </Route>
      <Route path="/admin/groups/:id">
        {(params) => (
          <Private needs={PERMISSIONS.GROUPS_VIEW}>
            <GroupPage id={params.id} />
          </Private>
        )}
      </Route>
      <Route path="/admin/permissions">
        <Private needs={PERMISSIONS.PERMISSIONS_VIEW}>
          <PermissionsPage />
        </Private>
      </Route>
      <Route path="/admin/audit">
        <Private needs={PERMISSIONS.AUDIT_VIEW}>
          <AuditPage />
        </Private>
      </Route>
      <Route path="/admin/identity-providers">
        <Private needs={ADMIN_ONLY}>
          <IdentityProvidersPage />
        </Private>
      </Route>
      <Route>
        <h1>Not found</h1>
        <p>
          There is no such page. <Link href="/">Go to the start</Link>
        </p>
      </Route>
    </Switch>
  );
}
