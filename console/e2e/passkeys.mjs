// Passkeys in the console, in a real browser (see browser.mjs), with Chromium's virtual
// authenticator (a user-verifying platform authenticator that keeps discoverable credentials,
// driven through the DevTools protocol's WebAuthn domain): adding one from the account page
// after confirming it is you (the first one brings recovery codes), signing in with it without
// a login name and with one, a passkey as the second step of a password sign-in and to confirm
// it is you, and refusals: a device that does not verify the person, a device that already
// holds one, a passkey removed from the account, and a page opened at 127.0.0.1 (told where
// passkeys work). Focus stays where the change was, and two-factor authentication follows the
// passkeys without losing an authenticator app being added.
//
//   node e2e/passkeys.mjs [path/to/roster]      (default: ../target/debug/roster)
//
// Passkeys take no IP address: the browser reaches the server as http://localhost:PORT, the
// server's public URL, so its RP ID is `localhost`.

import { graphql, register } from "./api.mjs";
import { PASSWORD, browserTest, check, signIn, signOut } from "./browser.mjs";
import { Authenticator } from "./totp.mjs";

const ADA = "ada@example.com";
const BOB = "bob@example.com";

/** A browser context of its own with a virtual authenticator: one person's device. */
async function deviceWithAuthenticator(run) {
  const { context, page } = await run.device();
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    page,
    /** The credentials the authenticator holds. */
    credentials: async () =>
      (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
    /** Whether the device verifies the person (screen lock, fingerprint) when asked. */
    verifies: (isUserVerified) =>
      cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified }),
  };
}

/** The account page, and this device's session proven by `proof` ("Two factors: passkey"). */
async function signedIn(page, proof) {
  await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
  await page
    .getByRole("row", { name: /This device/ })
    .getByText(proof, { exact: true })
    .waitFor();
}

/** The "Confirm it is you" dialog, answered with `answer(dialog)` (which ends in its button). */
async function confirmItIsYou(page, answer) {
  const dialog = page.getByRole("dialog", { name: "Confirm it is you" });
  await dialog.waitFor();
  await answer(dialog);
  await dialog.waitFor({ state: "detached" });
}

/** Whether the element `locator` finds has the focus. */
function focused(locator) {
  return locator.evaluate((element) => element === document.activeElement);
}

/** Adds a passkey named `label` from the account page's form (its confirmation left to the
 * caller). */
async function addPasskey(page, label) {
  const section = page.getByRole("region", { name: "Passkeys" });
  const form = section.getByRole("form", { name: "Add a passkey" });
  await form.getByLabel("Name for the new passkey (optional)").fill(label);
  await form.getByRole("button", { name: "Add a passkey" }).click();
  return section;
}

/** Enrols an authenticator app for the account `token` signs in, through the API (the console's
 * enrolment is two-factor.mjs's); answers the app and the recovery codes. */
async function enrolApp(base, token) {
  await graphql(
    base,
    `
      mutation ($input: ReauthenticateInput!) {
        reauthenticate(input: $input) {
          id
        }
      }
    `,
    { input: { password: PASSWORD } },
    token,
  );
  const { startTotpEnrollment } = await graphql(
    base,
    "mutation { startTotpEnrollment { enrollmentId otpauthUri } }",
    {},
    token,
  );
  const app = new Authenticator(startTotpEnrollment.otpauthUri);
  const { confirmTotpEnrollment } = await graphql(
    base,
    `
      mutation ($id: ID!, $code: String!) {
        confirmTotpEnrollment(enrollmentId: $id, code: $code, label: "Phone") {
          recoveryCodes
        }
      }
    `,
    { id: startTotpEnrollment.enrollmentId, code: await app.code() },
    token,
  );
  return { app, recoveryCodes: confirmTotpEnrollment.recoveryCodes };
}

async function main() {
  await browserTest(
    {},
    async ({ base, mail, run }) => {
      // Node reaches the server where it listens; the browser by its name.
      const api = `http://127.0.0.1:${new URL(base).port}`;
      const ada = await deviceWithAuthenticator(run);
      const { page } = ada;

      await run.step("register, then add a passkey after confirming the password", async () => {
        await page.goto(`${base}/register`);
        await page.getByLabel("Email").fill(ADA);
        await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
        await page.getByLabel("Repeat the password").fill(PASSWORD);
        await page.getByRole("button", { name: "Create account" }).click();
        await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
        const section = page.getByRole("region", { name: "Passkeys" });
        await section.getByText("You have no passkey yet.").waitFor();
        await addPasskey(page, "Laptop");
        await confirmItIsYou(page, async (dialog) => {
          await dialog.getByLabel("Your password").fill(PASSWORD);
          await dialog.getByRole("button", { name: "Confirm" }).click();
        });
        await section
          .getByText("Laptop added. Two-factor authentication is on: your other devices were")
          .waitFor();
        // A first second factor: its recovery codes, shown this once.
        const codes = section.getByRole("region", { name: "Your recovery codes" });
        await codes.waitFor();
        check((await codes.locator("li code").count()) === 10, "no ten recovery codes shown");
        await codes.getByRole("button", { name: "I have saved them" }).click();
        await codes.waitFor({ state: "detached" });
        const row = section.getByRole("row", { name: /Laptop/ });
        await row.getByRole("cell", { name: "never", exact: true }).waitFor();
        check((await ada.credentials()).length === 1, "the authenticator holds no passkey");
        const twoFactor = page.getByRole("region", { name: "Two-factor authentication" });
        await twoFactor.getByText("Two-factor authentication is on").waitFor();
        await twoFactor.getByText("You have 10 unused recovery codes.").waitFor();
        await signedIn(page, "Two factors: password, passkey");
        await section.evaluate((element) => element.scrollIntoView());
        await run.shot(page, "passkeys");
      });

      await run.step("sign out, and sign in with the passkey without a login name", async () => {
        await signOut(page);
        const started = page.waitForRequest(
          (request) => request.postDataJSON()?.operationName === "StartPasskeySignIn",
        );
        await page.getByRole("button", { name: "Sign in with a passkey" }).click();
        const { variables } = (await started).postDataJSON();
        check(variables.login === null, `the sign-in named ${variables.login}`);
        await signedIn(page, "Two factors: passkey");
        const section = page.getByRole("region", { name: "Passkeys" });
        const row = section.getByRole("row", { name: /Laptop/ });
        check(
          (await row.getByRole("cell", { name: "never", exact: true }).count()) === 0,
          "the passkey was never used",
        );
      });

      await run.step(
        "confirm it is you with the passkey; the device already holds one; rename it",
        async () => {
          const section = await addPasskey(page, "Second");
          // A passkey sign-in is no reauthentication: the dialog asks, and offers the passkey.
          await confirmItIsYou(page, async (dialog) => {
            await dialog.getByLabel("Recovery code").waitFor();
            await dialog.getByRole("button", { name: "Use a passkey" }).click();
          });
          await section
            .getByText("This device already holds a passkey for your account: it is in the list.")
            .waitFor();
          check((await ada.credentials()).length === 1, "a second passkey was made");
          await section.getByRole("button", { name: "Rename Laptop" }).click();
          const rename = section.getByRole("form", { name: "Rename Laptop" });
          await rename.getByLabel("New name").fill("Work laptop");
          await rename.getByRole("button", { name: "Save" }).click();
          await section.getByText("Renamed to Work laptop.").waitFor();
          await section.getByRole("cell", { name: "Work laptop", exact: true }).waitFor();
          // Saved or cancelled, focus is back on the row's Rename button.
          const again = section.getByRole("button", { name: "Rename Work laptop" });
          check(await focused(again), "focus left the renamed passkey's row");
          await again.click();
          await section.getByRole("button", { name: "Cancel" }).click();
          check(await focused(again), "focus left the row after a cancelled rename");
        },
      );

      await run.step("sign out, type the login name, then sign in with the passkey", async () => {
        await signOut(page);
        await page.getByLabel("Email or username").fill(ADA);
        const started = page.waitForRequest(
          (request) => request.postDataJSON()?.operationName === "StartPasskeySignIn",
        );
        await page.getByRole("button", { name: "Sign in with a passkey" }).click();
        const { variables } = (await started).postDataJSON();
        check(variables.login === ADA, `the sign-in named ${variables.login}`);
        await signedIn(page, "Two factors: passkey");
      });

      await run.step("a device that does not verify the person signs nobody in", async () => {
        await signOut(page);
        await ada.verifies(false);
        await page.getByRole("button", { name: "Sign in with a passkey" }).click();
        // Said calmly (a status, not an alert): it is also what a closed prompt brings.
        await page
          .getByRole("status")
          .getByText(/^No passkey was used: the prompt was closed or timed out/)
          .waitFor();
        check(new URL(page.url()).pathname === "/sign-in", `at ${page.url()}`);
        await ada.verifies(true);
        await page.getByRole("button", { name: "Sign in with a passkey" }).click();
        await signedIn(page, "Two factors: passkey");
      });

      await run.step(
        "start adding an app after confirming it is you with the passkey, then remove the passkey",
        async () => {
          const twoFactor = page.getByRole("region", { name: "Two-factor authentication" });
          await twoFactor.getByRole("button", { name: "Add an authenticator app" }).click();
          await confirmItIsYou(page, (dialog) =>
            dialog.getByRole("button", { name: "Use a passkey" }).click(),
          );
          const enrolment = twoFactor.getByRole("form", { name: "Add an authenticator app" });
          await enrolment.waitFor();
          // Confirmed a moment ago: the removal does not ask again.
          const section = page.getByRole("region", { name: "Passkeys" });
          await section.getByRole("button", { name: "Remove Work laptop" }).click();
          await section
            .getByText("Work laptop removed. Your other devices were signed out.")
            .waitFor();
          check(
            await focused(section.getByRole("heading", { name: "Passkeys" })),
            "focus is not on the passkeys' heading after the removal",
          );
          await section.getByText("You have no passkey yet.").waitFor();
          await twoFactor.getByText("Two-factor authentication is off").waitFor();
          // Read again, not drawn anew: the app being added is still there.
          check((await enrolment.count()) === 1, "the authenticator app being added was dropped");
        },
      );

      await run.step("the passkey left on the device is not accepted", async () => {
        await signOut(page);
        check((await ada.credentials()).length === 1, "the device lost its passkey");
        await page.getByRole("button", { name: "Sign in with a passkey" }).click();
        await page.getByText("Roster did not accept that passkey").waitFor();
        check(new URL(page.url()).pathname === "/sign-in", `at ${page.url()}`);
      });

      await run.step("at 127.0.0.1 the sign-in page says where passkeys work", async () => {
        run.visit(api);
        const elsewhere = (await run.device()).page;
        await elsewhere.goto(`${api}/sign-in`);
        await elsewhere.getByRole("button", { name: "Sign in with a passkey" }).click();
        await elsewhere
          .getByRole("alert")
          .getByText(`Passkeys work at ${base}, not at this address: open the console there.`)
          .waitFor();
        await elsewhere.close();
      });

      // Bob: an authenticator app first (through the API), then a passkey on his own device.
      const token = await register(api, mail, BOB);
      const { app, recoveryCodes } = await enrolApp(api, token);
      const bob = await deviceWithAuthenticator(run);

      await run.step("an account with an authenticator app adds a passkey", async () => {
        await signIn(bob.page, base, BOB, PASSWORD);
        const step = bob.page.getByRole("form", { name: "Second step" });
        await step.getByLabel("Code from your authenticator app").fill(await app.code());
        await step.getByRole("button", { name: "Continue" }).click();
        await signedIn(bob.page, "Two factors: password, authenticator app");
        const section = await addPasskey(bob.page, "Phone passkey");
        await confirmItIsYou(bob.page, async (dialog) => {
          // No passkey yet: only the codes are offered.
          check(
            (await dialog.getByRole("button", { name: "Use a passkey" }).count()) === 0,
            "a passkey is offered to an account without one",
          );
          await dialog.getByRole("button", { name: "Use a recovery code instead" }).click();
          await dialog.getByLabel("Recovery code").fill(recoveryCodes[0]);
          await dialog.getByRole("button", { name: "Confirm" }).click();
        });
        await section.getByText("Phone passkey added: you can sign in with it.").waitFor();
        // The recovery code the confirmation used is gone from the count.
        await bob.page
          .getByRole("region", { name: "Two-factor authentication" })
          .getByText("You have 9 unused recovery codes.")
          .waitFor();
        check(
          (await section.getByRole("region", { name: "Your recovery codes" }).count()) === 0,
          "new recovery codes were made for a second second factor",
        );
      });

      await run.step("the password, then the passkey as the second step", async () => {
        await signOut(bob.page);
        await signIn(bob.page, base, BOB, PASSWORD);
        const step = bob.page.getByRole("form", { name: "Second step" });
        await step.getByLabel("Code from your authenticator app").waitFor();
        await step.getByRole("button", { name: "Use a passkey" }).click();
        await signedIn(bob.page, "Two factors: password, passkey");
      });
    },
    { host: "localhost" },
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
