// The urql client: same-origin `/graphql`, the access token on every operation, refreshed
// before it expires and once after an UNAUTHENTICATED (signed out when the refresh fails).
import { Client, cacheExchange, fetchExchange, getOperationName } from "urql";
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

export function createClient(session: Session, url = "/graphql"): Client {
  return new Client({
    url,
    // A GET puts its variables (emails, search terms) into the URL, and so into proxy logs.
    preferGetMethod: false,
    // Show what is cached at once, and always ask again: deletes answer a Boolean, which
    // tells the document cache nothing about the lists they change.
    requestPolicy: "cache-and-network",
    exchanges: [
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
