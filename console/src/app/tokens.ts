// The token pair that every way of signing in answers with (`AuthPayload`), as the session
// keeps it.
import { getFragmentData, graphql, type FragmentType } from "../gql";
import type { Tokens } from "./session";

export const TOKENS = graphql(`
  fragment Tokens on AuthPayload {
    accessToken
    refreshToken
    expiresIn
  }
`);

export function tokensOf(payload: FragmentType<typeof TOKENS>): Tokens {
  return getFragmentData(TOKENS, payload);
}
