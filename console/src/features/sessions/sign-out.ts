// Signing out of this browser (by the refresh token, so it works with an expired access token
// too) or of every device, and then on to the sign-in page.
import { graphql } from "../../gql";
import { useAction } from "../../app/use-action";
import { useSession } from "../../app/use-session";

const SIGN_OUT = graphql(`
  mutation SignOut($refreshToken: String) {
    logout(refreshToken: $refreshToken)
  }
`);

const SIGN_OUT_EVERYWHERE = graphql(`
  mutation Logout($allSessions: Boolean) {
    logout(allSessions: $allSessions)
  }
`);

export function useSignOut() {
  const { session, end } = useSession();
  const thisBrowser = useAction(SIGN_OUT);
  const everywhere = useAction(SIGN_OUT_EVERYWHERE);
  return {
    /** What signing out everywhere said, when it failed. */
    everywhere,
    /** Signs this browser out, whatever the server answers: the tokens go either way. */
    async here() {
      await thisBrowser.run({ refreshToken: session.refreshToken });
      end();
    },
    /** Ends every session of the account; this browser's only once the server agreed. */
    async fromEverywhere() {
      if (await everywhere.run({ allSessions: true })) end();
    },
  };
}
