// How a session's proof reads for people: what its sign-in (and any reauthentication since)
// proved, and whether that was one factor or two.
import type { AssuranceLevel, AuthenticationMethod } from "../../gql/graphql";

const METHOD_TEXT: Record<AuthenticationMethod, string> = {
  PASSWORD: "password",
  TOTP: "authenticator app",
  RECOVERY_CODE: "recovery code",
  PASSKEY: "passkey",
  OIDC: "identity provider",
  PASSWORD_RESET: "password reset link",
};

/** "Two factors: password, authenticator app"; "One factor: password". */
export function proofText(level: AssuranceLevel, methods: readonly AuthenticationMethod[]): string {
  const factors = level === "AAL2" ? "Two factors" : "One factor";
  const used = methods.map((method) => METHOD_TEXT[method] ?? method.toLowerCase());
  return used.length > 0 ? `${factors}: ${used.join(", ")}` : factors;
}
