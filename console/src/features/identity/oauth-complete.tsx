// `/oauth/complete`, where Roster sends the browser back from a provider: with `?error=` it
// says why, with `?code=` it finishes the flow this tab started (`completeOAuth` with the kept
// verifier) and goes on as the answer says: signed in, sign-in's second step, the account-link
// step (an account with that email exists: its password links the identity), or back to the
// account page with the identity linked.
import { useEffect, useState } from "react";
import { Link, useLocation } from "wouter";
import { graphql, type FragmentType } from "../../gql";
import { type Problem } from "../../app/errors";
import { useAction } from "../../app/use-action";
import { useSession } from "../../app/use-session";
import { useViewer } from "../../app/viewer";
import { ProblemNote } from "../../components/form";
import { SecondStep, type CHALLENGE } from "../auth/second-step";
import { COMPLETE_PATH, linkedPage, takeFlow, type PendingFlow } from "./flow";
import { AccountLink, type LINK_REQUIRED } from "./account-link";
import { oauthErrorMessage } from "./reasons";

const COMPLETE_OAUTH = graphql(`
  mutation CompleteOAuth($code: String!, $codeVerifier: String!) {
    completeOAuth(code: $code, codeVerifier: $codeVerifier) {
      __typename
      ... on AuthPayload {
        ...Tokens
      }
      ... on SecondFactorRequired {
        ...Challenge
      }
      ... on AccountLinkRequired {
        ...LinkRequired
      }
      ... on IdentityLinked {
        identity {
          id
          provider {
            slug
          }
        }
      }
    }
  }
`);

type Step =
  | { kind: "working" }
  | { kind: "second-step"; challenge: FragmentType<typeof CHALLENGE> }
  | { kind: "link"; required: FragmentType<typeof LINK_REQUIRED> };

/** What the provider's return brought: the code or the refusal, and the flow this tab kept
 * for it (taken from storage, so that it is used once). */
interface Return {
  /** The query it came with (the address is cleaned up once it is read). */
  search: string;
  code: string | null;
  error: string | null;
  flow: PendingFlow | null;
}

// React may run a component's first render and its effects twice (StrictMode in development),
// and a code is single use: each return is read, and its code sent, once per page load.
let lastReturn: Return | null = null;
const sentCodes = new Set<string>();

function readReturn(): Return {
  const search = window.location.search;
  if (!lastReturn || (search && search !== lastReturn.search)) {
    const query = new URLSearchParams(search);
    lastReturn = {
      search,
      code: query.get("code"),
      error: query.get("error"),
      // A refusal ends the flow too.
      flow: takeFlow(window.sessionStorage),
    };
    // The code stays out of the history (and out of a reload, which could not use it again).
    if (lastReturn.code) window.history.replaceState(window.history.state, "", COMPLETE_PATH);
  }
  return lastReturn;
}

export function OAuthComplete() {
  const session = useSession();
  const [, navigate] = useLocation();
  const complete = useAction(COMPLETE_OAUTH);
  const [answer] = useState(readReturn);
  const { code, error, flow } = answer;
  const [step, setStep] = useState<Step>({ kind: "working" });
  const next = flow?.next ?? "/account";

  useEffect(() => {
    if (!code || error || sentCodes.has(code)) return;
    sentCodes.add(code);
    if (!flow) {
      // A code this tab did not ask for (a flow someone else started and sent here): spent
      // with a verifier that cannot match, so that nobody can finish it with the right one.
      void complete.run({ code, codeVerifier: "" });
      return;
    }
    void complete.run({ code, codeVerifier: flow.codeVerifier }).then((data) => {
      const result = data?.completeOAuth;
      if (!result) return;
      switch (result.__typename) {
        case "AuthPayload":
          session.begin(result, flow.next);
          break;
        case "SecondFactorRequired":
          setStep({ kind: "second-step", challenge: result });
          break;
        case "AccountLinkRequired":
          setStep({ kind: "link", required: result });
          break;
        case "IdentityLinked":
          navigate(linkedPage(result.identity.provider.slug));
          break;
      }
    });
    // Once per page load: what it reads is fixed when the page opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [answer]);

  const problem = flow
    ? codeProblem(complete.problem, flow.intent)
    : {
        code: "BAD_USER_INPUT",
        message:
          "This sign-in was not started in this tab, or was finished already. Start again from the same tab.",
        fields: {},
      };
  let heading = "Signing in";
  if (flow?.intent === "LINK") heading = `Linking ${flow.provider}`;
  else if (flow) heading = `Signing in with ${flow.provider}`;

  if (error || !code) {
    return (
      <section className="narrow">
        <h1>Signing in with a provider did not work</h1>
        <p className="problem" role="alert">
          {error
            ? oauthErrorMessage(error)
            : "This page is where a provider sends you back, and it brought nothing."}
        </p>
        <BackLink />
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>{heading}</h1>
      {step.kind === "second-step" ? (
        <SecondStep
          challenge={step.challenge}
          intro={`${flow?.provider ?? "The provider"} says it is you. Now confirm it with your second factor.`}
          onSignedIn={(payload) => session.begin(payload, next)}
          onRestart={() => navigate("/sign-in")}
          restartText="Start again"
        />
      ) : step.kind === "link" ? (
        <AccountLink required={step.required} />
      ) : problem ? (
        <>
          <ProblemNote problem={problem} />
          <BackLink />
        </>
      ) : (
        <p role="status">Just a moment…</p>
      )}
    </section>
  );
}

/** A refusal of `completeOAuth` in words (its fields are not the page's). */
function codeProblem(problem: Problem | null, intent?: string): Problem | null {
  if (!problem?.fields.code) return problem;
  return {
    ...problem,
    message:
      intent === "LINK"
        ? "This link took too long, or was used already. Start again from your account page."
        : "This sign-in took too long, or was used already. Start again.",
  };
}

/** Back to where a provider sign-in starts: the account page when signed in. */
function BackLink() {
  const { me } = useViewer();
  return (
    <p>
      {me ? (
        <Link href="/account">Back to your account</Link>
      ) : (
        <Link href="/sign-in">Back to sign in</Link>
      )}
    </p>
  );
}
