// The signed-in account as the API reports it (`me`): its role and every permission it holds.
// What the console shows is decided from this answer, never from the token's claims.
import {
  createContext,
  useContext,
  useEffect,
  useEffectEvent,
  useSyncExternalStore,
  type ReactNode,
} from "react";
import { useQuery } from "urql";
import { getFragmentData, graphql } from "../gql";
import type { ViewerFragment } from "../gql/graphql";
import type { Codename } from "./permissions";
import type { Session } from "./session";

/** What the console knows of the viewer; `updateProfile` answers with it too. */
const VIEWER = graphql(`
  fragment Viewer on User {
    id
    email
    emailVerified
    fullName
    role
    isAdmin
    mfaEnabled
    hasPassword
    permissions {
      codename
    }
    ...ProfileFields
  }
`);

const ME = graphql(`
  query Me {
    me {
      ...Viewer
    }
  }
`);

export type Me = ViewerFragment;

interface ViewerState {
  session: Session;
  me: Me | null;
  loading: boolean;
  /** Signed in, but `me` could not be read (the server was unreachable): not signed out. */
  unreachable: boolean;
  /** The API refused a page's query with `MFA_ENROLLMENT_REQUIRED` (`--require-mfa`): the
   * account must add a second factor before anything else. */
  enrollmentRequired: boolean;
  refetch: () => void;
}

const ViewerContext = createContext<ViewerState | null>(null);

interface ViewerProviderProps {
  session: Session;
  enrollmentRequired: boolean;
  children: ReactNode;
}

export function ViewerProvider({ session, enrollmentRequired, children }: ViewerProviderProps) {
  const snapshot = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => `${session.signedIn}|${session.hasAccess}`,
  );
  const [signedIn, hasAccess] = snapshot.split("|").map((part) => part === "true");
  const [result, refetch] = useQuery({
    query: ME,
    pause: !signedIn,
    requestPolicy: "network-only",
  });
  const me = signedIn ? (getFragmentData(VIEWER, result.data?.me) ?? null) : null;
  const askAgainIfUnknown = useEffectEvent(() => {
    if (!me) refetch({ requestPolicy: "network-only" });
  });
  // Signing in, or getting a token back after the server could not be reached, means `me`
  // should be asked again.
  useEffect(() => {
    if (signedIn) askAgainIfUnknown();
  }, [signedIn, hasAccess]);
  const state: ViewerState = {
    session,
    me,
    // Only the first answer: a refetch (after a profile edit) keeps the pages mounted.
    loading: signedIn && !result.data && !result.error,
    unreachable:
      signedIn && !me && !result.fetching && (Boolean(result.error) || result.data?.me === null),
    enrollmentRequired,
    refetch: () => refetch({ requestPolicy: "network-only" }),
  };
  return <ViewerContext.Provider value={state}>{children}</ViewerContext.Provider>;
}

export function useViewer(): ViewerState {
  const state = useContext(ViewerContext);
  if (!state) throw new Error("useViewer outside ViewerProvider");
  return state;
}

/** What only an ADMIN may use, whatever permissions others hold (identity providers). */
export const ADMIN_ONLY = "ADMIN";

/** Whether `me` may use what `codename` guards (an ADMIN holds every permission). */
export function allowed(me: Me | null, codename: Codename | typeof ADMIN_ONLY): boolean {
  if (!me) return false;
  if (codename === ADMIN_ONLY) return me.isAdmin;
  return me.isAdmin || me.permissions.some((p) => p.codename === codename);
}
