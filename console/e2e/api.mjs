// What the browser tests ask of the API directly, as a client other than the browser: one
// GraphQL operation, and an account of its own with its address confirmed (quicker than the
// pages, which run.mjs tests).
import { PASSWORD, check, linkIn } from "./browser.mjs";

/** Posts one GraphQL operation (with `token`, as that account); fails on any error. */
export async function graphql(base, query, variables, token) {
  const answer = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  }).then((response) => response.json());
  check(!answer.errors, `${query}: ${JSON.stringify(answer.errors)}`);
  return answer.data;
}

/** Registers `email` (password `PASSWORD`) and confirms its address from the mail, so that only
 * the rules a test is about are at play; answers the registration's access token. */
export async function register(base, mail, email) {
  const before = mail.count;
  const { register } = await graphql(
    base,
    `
      mutation ($input: RegisterInput!) {
        register(input: $input) {
          accessToken
        }
      }
    `,
    { input: { email, password: PASSWORD } },
  );
  const token = new URL(
    linkIn(await mail.one(email, "Confirm", before), "verify-email"),
  ).searchParams.get("token");
  await graphql(
    base,
    `
      mutation ($token: String!) {
        verifyEmail(token: $token)
      }
    `,
    { token },
  );
  return register.accessToken;
}
