// The sign-in page's other ways in: a button for each provider an administrator turned on
// (`signInProviders`, public). Nothing shows when there is none.
import { useQuery } from "urql";
import { graphql } from "../../gql";
import { ProblemNote } from "../../components/form";
import { useStartOAuth } from "./start-oauth";

const SIGN_IN_PROVIDERS = graphql(`
  query SignInProviders {
    signInProviders {
      slug
      displayName
      kind
    }
  }
`);

export function SignInProviders({ next }: { next: string }) {
  const [result] = useQuery({ query: SIGN_IN_PROVIDERS });
  const start = useStartOAuth("SIGN_IN");
  const providers = result.data?.signInProviders ?? [];
  if (providers.length === 0) return null;
  return (
    <section aria-labelledby="providers-heading" className="providers">
      <h2 id="providers-heading">Or continue with</h2>
      <ProblemNote problem={start.problem} />
      {providers.map((provider) => (
        <button
          key={provider.slug}
          type="button"
          disabled={start.busy}
          aria-busy={start.busy || undefined}
          onClick={() => void start.go(provider, next)}
        >
          Continue with {provider.displayName}
        </button>
      ))}
    </section>
  );
}
