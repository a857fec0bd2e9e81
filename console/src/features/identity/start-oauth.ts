// Sending the browser to a provider: a fresh code verifier kept in this tab, its challenge to
// `startOAuth` with the console's own return page, and on to the `authorizationUrl` it answers.
// Linking (intent LINK) needs a recent sign-in; `useAction` asks to confirm it is you and tries
// once more.
import { useState } from "react";
import { graphql } from "../../gql";
import type { OAuthIntent } from "../../gql/graphql";
import type { Problem } from "../../app/errors";
import { useAction } from "../../app/use-action";
import { COMPLETE_PATH, FLOW_KEY, keepFlow } from "./flow";
import { canHash, codeChallenge, codeVerifier } from "./pkce";

const START_OAUTH = graphql(`
  mutation StartOAuth($input: StartOAuthInput!) {
    startOAuth(input: $input) {
      authorizationUrl
      expiresAt
    }
  }
`);

/** A provider as the buttons name it. */
export interface ProviderChoice {
  slug: string;
  displayName: string;
}

/** The return page's address, which Roster must list in `--oauth-redirect-uris`. */
export function redirectUri(): string {
  return window.location.origin + COMPLETE_PATH;
}

/** A refusal of `startOAuth` in words: its fields are not the page's, so they are said here. */
export function startProblem(problem: Problem | null): Problem | null {
  if (!problem || Object.keys(problem.fields).length === 0) return problem;
  let message;
  if (problem.fields.redirectUri) {
    message = `Roster does not accept ${redirectUri()} as a return address: an administrator adds it to --oauth-redirect-uris.`;
  } else if (problem.fields.provider) {
    message = "That provider is unknown or turned off. Reload the page to see the current ones.";
  } else {
    message = Object.entries(problem.fields)
      .map(([field, messages]) => `${field}: ${messages.join("; ")}`)
      .join(" ");
  }
  return { ...problem, message };
}

export function useStartOAuth(intent: OAuthIntent) {
  const start = useAction(START_OAUTH);
  // Between the answer and the provider's page loading, the buttons stay busy.
  const [leaving, setLeaving] = useState(false);
  async function go(provider: ProviderChoice, next: string) {
    if (!canHash()) {
      start.fail({
        code: "BAD_USER_INPUT",
        message:
          "This page is not on a secure connection (https), so the browser cannot protect a provider sign-in. Open the console over https.",
        fields: {},
      });
      return;
    }
    const verifier = codeVerifier();
    const challenge = await codeChallenge(verifier);
    keepFlow(window.sessionStorage, {
      codeVerifier: verifier,
      intent,
      provider: provider.displayName,
      next,
    });
    const data = await start.run({
      input: {
        provider: provider.slug,
        redirectUri: redirectUri(),
        codeChallenge: challenge,
        intent,
      },
    });
    if (!data) {
      window.sessionStorage.removeItem(FLOW_KEY);
      return;
    }
    setLeaving(true);
    window.location.assign(data.startOAuth.authorizationUrl);
  }
  return {
    busy: start.busy || leaving,
    problem: startProblem(start.problem),
    at: start.at,
    go,
  };
}
