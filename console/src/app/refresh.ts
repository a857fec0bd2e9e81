// Trading the kept refresh token for a new pair: one refresh at a time across the browser's
// tabs (Web Locks), since a refresh token rotates on use and a second use of the old one
// would look like theft. Used by the console's client and by the GraphiQL page, so it posts
// by itself rather than through the client it serves.
import type { RefreshMutation } from "../gql/graphql";
import type { Session } from "./session";

// Plain text that codegen still reads and types (`RefreshMutation`), marked by the comment
// rather than passed to `graphql()`: that function brings every document of the console
// with it, and the GraphiQL page loads this file. So the pair's fields are spelled out here
// instead of spreading the `Tokens` fragment.
const REFRESH = /* GraphQL */ `
  mutation Refresh($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      accessToken
      refreshToken
      expiresIn
    }
  }
`;

async function exclusively(task: () => Promise<void>): Promise<void> {
  if (typeof navigator !== "undefined" && navigator.locks) {
    await navigator.locks.request("roster-refresh", task);
  } else {
    await task();
  }
}

interface RefreshResponse {
  data?: RefreshMutation | null;
  errors?: { extensions?: { code?: string } }[];
}

/** Refreshes `session`; signs it out when the server refuses the refresh token. */
export async function refresh(
  session: Session,
  url = "/graphql",
  fetcher: typeof fetch = fetch,
): Promise<void> {
  await exclusively(async () => {
    // Read inside the lock: another tab may have rotated the token meanwhile, and the one it
    // stored is the one that still works.
    const current = session.refreshToken;
    if (!current) return;
    let body: RefreshResponse;
    try {
      const response = await fetcher(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({
          query: REFRESH,
          variables: { refreshToken: current },
          operationName: "Refresh",
        }),
      });
      body = (await response.json()) as RefreshResponse;
    } catch {
      // Offline or unreachable: keep the session and try again on the next request.
      return;
    }
    const tokens = body.data?.refreshToken;
    if (tokens) {
      session.start(tokens);
    } else if (body.errors?.some((e) => e.extensions?.code === "UNAUTHENTICATED")) {
      session.end();
    }
  });
}
