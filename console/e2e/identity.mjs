// Sign-in with an identity provider in the console, in a real browser (see browser.mjs), against
// a real OpenID Provider: `tests/oidc-provider/provider.mjs` (oidc-provider on loopback, with a
// login page of its own). An administrator registers it through the API; then a person new to
// Roster presses "Continue with …" on the sign-in page, signs in at the provider, and lands
// back in the console signed in to a new account, whose account page lists the identity.
//
//   node e2e/identity.mjs [path/to/roster]      (default: ../target/debug/roster)
//
// The provider's packages are installed (`npm ci` in tests/oidc-provider) when missing. It is
// stopped by closing its stdin (it exits then, however this script ends) and by its handle.

import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { graphql } from "./api.mjs";
import { ADMIN, PASSWORD, STEP_TIMEOUT, browserTest, check } from "./browser.mjs";

const PROVIDER_DIR = new URL("../../tests/oidc-provider/", import.meta.url).pathname;
const SLUG = "test-provider";
const PROVIDER_NAME = "Test Provider";
const CLIENT_ID = "roster-console-test";
const CLIENT_SECRET = "a client secret for the browser test";
/** The person at the provider: the login typed on its page, and what it asserts. */
const LOGIN = "grace";
const GRACE = {
  sub: "grace-0001",
  email: "grace@example.com",
  email_verified: true,
  name: "Grace Hopper",
};

/** Starts the OpenID Provider with `config`; answers its issuer and how to stop it. */
async function startProvider(config) {
  if (!existsSync(join(PROVIDER_DIR, "node_modules"))) {
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: PROVIDER_DIR,
      stdio: "inherit",
    });
  }
  const child = spawn(process.execPath, ["provider.mjs"], {
    cwd: PROVIDER_DIR,
    env: { PATH: process.env.PATH, OIDC_CONFIG: JSON.stringify(config) },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise((done) => child.once("exit", done));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      child.kill("SIGTERM");
    }
    await exited;
  };
  try {
    const issuer = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the provider did not start")), STEP_TIMEOUT);
      createInterface({ input: child.stdout }).on("line", (line) => {
        const match = /^ISSUER (\S+)$/.exec(line);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the provider exited (${code}) before it served`));
      });
    });
    return { issuer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function main() {
  await browserTest({}, async ({ base, run }) => {
    const provider = await startProvider({
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${base}/oauth/${SLUG}/callback`],
        },
      ],
      accounts: { [LOGIN]: GRACE },
    });
    try {
      run.visit(provider.issuer);
      const { page } = await run.device();

      await run.step("the administrator registers the provider through the API", async () => {
        const { login } = await graphql(
          base,
          `
            mutation ($input: LoginInput!) {
              login(input: $input) {
                accessToken
              }
            }
          `,
          { input: { login: ADMIN, password: PASSWORD } },
        );
        const { createIdentityProvider } = await graphql(
          base,
          `
            mutation ($input: IdentityProviderInput!) {
              createIdentityProvider(input: $input) {
                slug
                enabled
              }
            }
          `,
          {
            input: {
              slug: SLUG,
              displayName: PROVIDER_NAME,
              kind: "OIDC",
              issuer: provider.issuer,
              clientId: CLIENT_ID,
              clientSecret: CLIENT_SECRET,
            },
          },
          login.accessToken,
        );
        check(createIdentityProvider.enabled, "the new provider is not enabled");
      });

      await run.step("a new person signs in with the provider from the sign-in page", async () => {
        await page.goto(`${base}/sign-in`);
        await page.getByRole("button", { name: `Continue with ${PROVIDER_NAME}` }).click();
        await page.waitForURL((url) => url.origin === provider.issuer);
        await page.locator('input[name="login"]').fill(LOGIN);
        await page.getByRole("button", { name: "Sign in", exact: true }).click();
        // Back through Roster's callback to /oauth/complete, and on, signed in.
        await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
        check(new URL(page.url()).origin === base, `signed in at ${page.url()}`);
        const email = await page.getByLabel("Email", { exact: true }).inputValue();
        check(email === GRACE.email, `the account page shows ${email}`);
        const flow = await page.evaluate(() => sessionStorage.getItem("roster.oauthFlow"));
        check(flow === null, "the code verifier is still kept after the sign-in");
      });

      await run.step("the account page lists the identity, and no password", async () => {
        const methods = page.getByRole("region", { name: "Sign-in methods" });
        const row = methods.getByRole("row", { name: new RegExp(PROVIDER_NAME) });
        await row.waitFor();
        await row.getByRole("cell", { name: GRACE.email }).waitFor();
        await row.getByRole("button", { name: `Unlink ${PROVIDER_NAME}` }).waitFor();
        await methods.getByText("Your account has no password").waitFor();
        await methods.getByRole("form", { name: "Set a password" }).waitFor();
        check(
          (await methods
            .getByRole("button", { name: `Link ${PROVIDER_NAME}`, exact: true })
            .count()) === 0,
          "a linked provider is offered for linking",
        );
      });

      await run.step("an admin sees the person's sign-in methods on their user page", async () => {
        const { page: admin } = await run.device();
        await admin.goto(`${base}/sign-in`);
        await admin.getByLabel("Email or username").fill(ADMIN);
        await admin.getByLabel("Password").fill(PASSWORD);
        await admin.getByRole("button", { name: "Sign in", exact: true }).click();
        await admin.getByRole("link", { name: "Users" }).click();
        await admin.getByRole("link", { name: GRACE.email }).click();
        const methods = admin.getByRole("region", { name: "Sign-in methods" });
        await methods.getByText("Password: none (signs in through a provider)").waitFor();
        const row = methods.getByRole("row", { name: new RegExp(PROVIDER_NAME) });
        await row.getByRole("cell", { name: GRACE.email }).waitFor();
      });
    } finally {
      await provider.stop();
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
