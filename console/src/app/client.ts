// The urql client: same-origin `/graphql`, the access token on every operation, refreshed
// before it expires and once after an UNAUTHENTICATED (signed out when the refresh fails); and
// a page's query refused until the account adds a second factor (`MFA_ENROLLMENT_REQUIRED`)
// is told to the app, which sends the viewer to set one up.
import { Client, cacheExchange, fetchExchange, getOperationName, mapExchange } from "urql";
import { authExchange } from "@urql/exchange-auth";
import { refresh } from "./refresh";
import type { Session } from "./session";

/** Operations that answer UNAUTHENTICATED for wrong credentials, not for a stale token. */
const CREDENTIAL_OPERATIONS = new Set([
  "SignIn",
  // A wrong code or an expired challenge is UNAUTHENTICATED too.
  "VerifySecondFactor",
  // Logs out by the refresh token, so it works with an expired access token too.
  "SignOut",
  "Register",
  "Refresh",
  "CompletePasswordReset",
  "VerifyEmail",
  "RequestPasswordReset",
]);

interface ClientOptions {
  url?: string;
  /** A query was refused with `MFA_ENROLLMENT_REQUIRED`. (A mutation's refusal is shown where
   * it was made: removing the last authenticator app of such an account, say.) */
  onEnrollmentRequired?: () => void;
}

export function createClient(
  session: Session,
  { url = "/graphql", onEnrollmentRequired }: ClientOptions = {},
): Client {
  return new Client({
    url,
    // A GET puts its variables (emails, search terms) into the URL, and so into proxy logs.
    preferGetMethod: false,
    // Show what is cached at once, and always ask again: deletes answer a Boolean, which
    // tells the document cache nothing about the lists they change.
    requestPolicy: "cache-and-network",
    exchanges: [
      mapExchange({
        onError(error, operation) {
          if (
            operation.kind === "query" &&
            error.graphQLErrors.some((e) => e.extensions?.reason === "MFA_ENROLLMENT_REQUIRED")
          ) {
            onEnrollmentRequired?.();
          }
        },
      }),
      cacheExchange,
      // Nothing to load before the first operation: the session is at hand.
      authExchange((utils) =>
        Promise.resolve({
          addAuthToOperation(operation) {
            const token = session.accessToken;
            return token
              ? utils.appendHeaders(operation, { Authorization: `Bearer ${token}` })
              : operation;
          },
          willAuthError(operation) {
            const name = getOperationName(operation.query);
            return !CREDENTIAL_OPERATIONS.has(name ?? "") && session.needsRefresh();
          },
          didAuthError(error, operation) {
            const name = getOperationName(operation.query);
            return (
              !CREDENTIAL_OPERATIONS.has(name ?? "") &&
              session.refreshToken !== null &&
              error.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED")
            );
          },
          async refreshAuth() {
            await refresh(session, url);
          },
        }),
      ),
      fetchExchange,
    ],
  });
}
