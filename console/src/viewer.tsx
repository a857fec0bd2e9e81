// The signed-in account as the API reports it (`me`): its role and every permission it holds.
// What the console shows is decided from this answer, never from the token's claims.
import {
  createContext,
  useContext,
  useEffect,
  useRef,
  useSyncExternalStore,
  type ReactNode,
} from "react";
import { useQuery } from "urql";
import { graphql } from "./gql";
import type { MeQuery } from "./gql/graphql";
import type { Session } from "./session";

export const ME = graphql(`
  query Me {
    me {
      id
      email
      emailVerified
      username
      firstName
      lastName
      fullName
      phoneNumber
      address
      company
      designation
      role
      isAdmin
      permissions {
        codename
      }
    }
  }
`);

export type Me = NonNullable<MeQuery["me"]>;

interface ViewerState {
  session: Session;
  me: Me | null;
  loading: boolean;
  /** Signed in, but `me` could not be read (the server was unreachable): not signed out. */
  unreachable: boolean;
  refetch: () => void;
}

const ViewerContext = createContext<ViewerState | null>(null);

export function ViewerProvider({ session, children }: { session: Session; children: ReactNode }) {
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
  const me = signedIn ? (result.data?.me ?? null) : null;
  const known = useRef(me);
  known.current = me;
  // Signing in, or getting a token back after the server could not be reached, means `me`
  // should be asked again.
  useEffect(() => {
    if (signedIn && !known.current) refetch({ requestPolicy: "network-only" });
  }, [signedIn, hasAccess, refetch]);
  const state: ViewerState = {
    session,
    me,
    // Only the first answer: a refetch (after a profile edit) keeps the pages mounted.
    loading: signedIn && !result.data && !result.error,
    unreachable:
      signedIn && !me && !result.fetching && (Boolean(result.error) || result.data?.me === null),
    refetch: () => refetch({ requestPolicy: "network-only" }),
  };
  return <ViewerContext.Provider value={state}>{children}</ViewerContext.Provider>;
}

export function useViewer(): ViewerState {
  const state = useContext(ViewerContext);
  if (!state) throw new Error("useViewer outside ViewerProvider");
  return state;
}

/** Whether `me` may use what `codename` guards (an ADMIN holds every permission). */
export function allowed(me: Me | null, codename: string): boolean {
  if (!me) return false;
  return me.isAdmin || me.permissions.some((p) => p.codename === codename);
}
