// Signing in and out as a page does it: the session begins with the pair a sign-in answered,
// or ends, and the console moves on to the page that follows.
import { useLocation } from "wouter";
import type { FragmentType } from "../gql";
import { tokensOf, type TOKENS } from "./tokens";
import { useViewer } from "./viewer";

export function useSession() {
  const { session } = useViewer();
  const [, navigate] = useLocation();
  return {
    session,
    /** A new identity: from `login`, `register` or `resetPassword`. */
    begin: (payload: FragmentType<typeof TOKENS>, next: string) => {
      session.begin(tokensOf(payload));
      navigate(next);
    },
    /** Signed out of this browser, and on to sign in. */
    end: () => {
      session.end();
      navigate("/sign-in");
    },
  };
}
