// A provider sign-in in progress, as this tab keeps it between `startOAuth` and the return to
// `/oauth/complete`: the code verifier (never sent until `completeOAuth`), what the flow is for,
// and where to go afterwards. In sessionStorage: this tab only, gone when it closes, and taken
// (read and removed) once.
import type { Storage } from "../../app/session";
import type { OAuthIntent } from "../../gql/graphql";

/** Where the flow waits. */
export const FLOW_KEY = "roster.oauthFlow";

/** The console's page that the provider's answer returns to (one of `--oauth-redirect-uris`). */
export const COMPLETE_PATH = "/oauth/complete";

export interface PendingFlow {
  codeVerifier: string;
  intent: OAuthIntent;
  /** The provider's name, for what the pages say. */
  provider: string;
  /** Where a sign-in goes once done (a console path). */
  next: string;
}

export function keepFlow(storage: Storage, flow: PendingFlow): void {
  storage.setItem(FLOW_KEY, JSON.stringify(flow));
}

/** The flow this tab started, removed as it is read; null when there is none (another tab,
 * or already used) or it is not one this console wrote. */
export function takeFlow(storage: Storage): PendingFlow | null {
  const raw = storage.getItem(FLOW_KEY);
  storage.removeItem(FLOW_KEY);
  if (!raw) return null;
  try {
    const flow = JSON.parse(raw) as Partial<PendingFlow>;
    if (
      typeof flow.codeVerifier === "string" &&
      (flow.intent === "SIGN_IN" || flow.intent === "LINK") &&
      typeof flow.provider === "string" &&
      typeof flow.next === "string"
    ) {
      return flow as PendingFlow;
    }
  } catch {
    // Not JSON: not ours.
  }
  return null;
}

/** The account page, saying that the identity of provider `slug` is now linked. */
export function linkedPage(slug: string): string {
  return `/account?linked=${encodeURIComponent(slug)}`;
}
