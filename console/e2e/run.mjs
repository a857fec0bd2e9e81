// The console in a real browser: Debian's Chromium driven by playwright-core, against the
// Roster binary on a fresh SQLite database and a real SMTP server on loopback (smtp-server).
// Every page is checked for requests to any other host and for console errors.
//
//   node e2e/run.mjs [path/to/roster]      (default: ../target/debug/roster)
//   SCREENSHOTS=../docs/screenshots node e2e/run.mjs   also writes the screenshots docs/console.md shows
//
// It starts its own server and mail server on free loopback ports, in a temporary directory,
// and stops both (by their handles) when it ends, passing or failing (see browser.mjs).
// Two-factor authentication has its own script, two-factor.mjs.

import { ADMIN, PASSWORD, browserTest, check, linkIn } from "./browser.mjs";

const NEW_PASSWORD = "a second long passphrase";
const RESET_PASSWORD = "a third long passphrase";
/** Access tokens live this long here, so the run crosses expiry and refreshes. */
const ACCESS_TTL_SECONDS = 20;

async function main() {
  await browserTest(
    { ROSTER_ACCESS_TOKEN_TTL: String(ACCESS_TTL_SECONDS) },
    async ({ base, mail, run }) => {
      const { page } = await run.device({ width: 390, height: 844 });

      await run.step("register at 390 px wide", async () => {
        await page.goto(`${base}/`);
        await page.getByRole("link", { name: "Register" }).click();
        await run.shot(page, "register");
        await page.getByLabel("Email").fill("ada@example.com");
        await page.getByLabel("Password", { exact: true }).fill("short");
        await page.getByLabel("Repeat the password").fill("short");
        await page.getByRole("button", { name: "Create account" }).click();
        // The API's per-field message, beside the field.
        await page.locator(".field-errors").first().waitFor();
        await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
        await page.getByLabel("Repeat the password").fill(PASSWORD);
        await page.getByRole("button", { name: "Create account" }).click();
        await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        const wide = await page.evaluate(() =>
          [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > 391)
            .slice(0, 5)
            .map(
              (e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`,
            ),
        );
        check(width <= 390, `the account page is ${width} px wide at 390: ${wide.join(", ")}`);
      });

      await run.step("verify the email from the mailed link (confirming on the page)", async () => {
        const link = linkIn(await mail.one("ada@example.com", "Confirm"), "verify-email");
        check(new URL(link).origin === base, `the link points at ${link}`);
        await page.goto(link);
        await page.getByRole("button", { name: "Confirm my address" }).click();
        await page.getByText("Your address is confirmed").waitFor();
      });

      await run.step("edit the profile", async () => {
        await page.goto(`${base}/account`);
        await page.getByLabel("First name").fill("Ada");
        await page.getByLabel("Company").fill("Analytical Engines");
        await page.getByRole("button", { name: "Save profile" }).click();
        await page.getByText("Saved.").waitFor();
        await page.reload();
        check(
          (await page.getByLabel("First name").inputValue()) === "Ada",
          "the first name was not kept",
        );
        await run.shot(page, "account");
      });

      await run.step("changing the email asks for the current password", async () => {
        const profile = page.getByRole("region", { name: "Profile" });
        await profile.getByLabel("Email").fill("ada.lovelace@example.com");
        const current = profile.getByLabel("Current password");
        await current.waitFor();
        await profile.getByRole("button", { name: "Save profile" }).click();
        await profile.getByText("is required to change the email").waitFor();
        await current.fill("not my password");
        await profile.getByRole("button", { name: "Save profile" }).click();
        await profile.getByText("is incorrect").waitFor();
        await current.fill(PASSWORD);
        await profile.getByRole("button", { name: "Save profile" }).click();
        await profile.getByText("Your email address is not confirmed yet.").waitFor();
        check(
          (await profile.getByLabel("Email").inputValue()) === "ada.lovelace@example.com",
          "the new email was not kept",
        );
        // And back, confirmed again (an address set by a change gets no reset link until then),
        // so the steps below go on as before.
        await profile.getByLabel("Email").fill("ada@example.com");
        await profile.getByLabel("Current password").fill(PASSWORD);
        const before = mail.count;
        await profile.getByRole("button", { name: "Save profile" }).click();
        await profile.getByText("Saved.").waitFor();
        // Once the account reloads with the saved address, the password field goes away.
        await profile.getByLabel("Current password").waitFor({ state: "detached" });
        await page.goto(
          linkIn(await mail.one("ada@example.com", "Confirm", before), "verify-email"),
        );
        await page.getByRole("button", { name: "Confirm my address" }).click();
        await page.getByText("Your address is confirmed").waitFor();
        await page.goto(`${base}/account`);
        await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
      });

      await run.step("change the password and stay signed in", async () => {
        await page.getByLabel("Current password").fill(PASSWORD);
        await page.getByLabel("New password").fill(NEW_PASSWORD);
        await page.getByRole("button", { name: "Change password" }).click();
        await page.getByText("Password changed.").waitFor();
        await page.reload();
        await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
      });

      await run.step(
        "stays signed in past the access token's expiry (refreshing, not signing out)",
        async () => {
          const before = run.refreshes;
          await page.waitForTimeout((ACCESS_TTL_SECONDS + 2) * 1000);
          await page.getByRole("link", { name: "Account" }).click();
          await page.getByRole("heading", { name: "Where you are signed in" }).waitFor();
          await page.getByRole("heading", { name: "Recent activity" }).waitFor();
          await page.locator(".events li").first().waitFor();
          check(run.refreshes > before, "no refresh was sent past the expiry");
          check(
            (await page.getByRole("heading", { name: "Sign in", exact: true }).count()) === 0,
            "signed out at expiry",
          );
        },
      );

      await run.step("revoke another device's session", async () => {
        const phone = await run.device();
        await phone.page.goto(`${base}/sign-in`);
        await phone.page.getByLabel("Email or username").fill("ada@example.com");
        await phone.page.getByLabel("Password").fill(NEW_PASSWORD);
        await phone.page.getByRole("button", { name: "Sign in", exact: true }).click();
        await phone.page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
        await page.reload();
        const revoke = page.getByRole("button", { name: /^Sign out the session from/ });
        await revoke.first().waitFor();
        check((await revoke.count()) === 1, "one other session is listed");
        await revoke.click();
        await page.waitForFunction(
          () => !document.querySelector('button[aria-label^="Sign out the session from"]'),
        );
        // The phone's next page load finds its session ended and goes back to sign in.
        await phone.page.reload();
        await phone.page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
        await phone.context.close();
      });

      await run.step("forgot and reset the password with the mailed token", async () => {
        await page.getByRole("button", { name: "Sign out", exact: true }).click();
        await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
        await page.getByRole("link", { name: "Forgot your password?" }).click();
        const before = mail.count;
        await page.getByLabel("Email").fill("ada@example.com");
        await page.getByRole("button", { name: "Send me a link" }).click();
        await page.getByText("a link to choose a new password is on its way").waitFor();
        const link = linkIn(await mail.one("ada@example.com", "Reset", before), "reset-password");
        await page.goto(link);
        await run.shot(page, "reset-password");
        await page.getByLabel("New password", { exact: true }).fill(RESET_PASSWORD);
        await page.getByLabel("Repeat the new password").fill(RESET_PASSWORD);
        await page.getByRole("button", { name: "Set the new password" }).click();
        await page.getByText("Your new password is set").waitFor();
        // The same link a second time: refused, with a way to a new one. Signed out first, and
        // only once the sign-out is done (leaving earlier would keep this browser's session).
        await page.getByRole("button", { name: "Sign out", exact: true }).click();
        await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
        await page.goto(link);
        await page.getByLabel("New password", { exact: true }).fill(RESET_PASSWORD);
        await page.getByLabel("Repeat the new password").fill(RESET_PASSWORD);
        await page.getByRole("button", { name: "Set the new password" }).click();
        await page.getByRole("link", { name: "Ask for a new link" }).waitFor();
      });

      await run.step("a plain user sees no admin pages", async () => {
        await page.goto(`${base}/sign-in`);
        await page.getByLabel("Email or username").fill("ada@example.com");
        await page.getByLabel("Password").fill(RESET_PASSWORD);
        await page.getByRole("button", { name: "Sign in", exact: true }).click();
        await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
        check(
          (await page.getByRole("link", { name: "Users" }).count()) === 0,
          "a plain user sees the Users link",
        );
        check(
          (await page.getByRole("link", { name: "Audit log" }).count()) === 0,
          "a plain user sees the Audit log link",
        );
        await page.goto(`${base}/admin/users`);
        await page.getByRole("heading", { name: "Not allowed" }).waitFor();
      });

      await run.step("an admin deactivates a user and sees it in the audit log", async () => {
        const desk = await run.device();
        const admin = desk.page;
        await admin.goto(`${base}/sign-in`);
        await admin.getByLabel("Email or username").fill(ADMIN);
        await admin.getByLabel("Password").fill(PASSWORD);
        await admin.getByRole("button", { name: "Sign in", exact: true }).click();
        await admin.getByRole("link", { name: "Users" }).click();
        await admin.getByRole("link", { name: ADMIN }).waitFor();
        await admin.getByLabel("Search").fill("ada");
        await admin.getByRole("link", { name: ADMIN }).waitFor({ state: "detached" });
        await admin.getByRole("link", { name: "ada@example.com" }).click();
        await admin.getByRole("heading", { name: "ada@example.com" }).waitFor();
        await run.shot(admin, "user");
        // A failed sign-in of Ada's, which the admin then clears.
        await admin.request.post(`${base}/graphql`, {
          data: {
            query:
              'mutation { login(input: { login: "ada@example.com", password: "not her password" }) { accessToken } }',
          },
        });
        await admin.getByRole("button", { name: "Clear failed sign-ins" }).click();
        await admin.getByText("Failed sign-ins forgotten: any lockout is over.").waitFor();
        await admin.getByRole("button", { name: "Clear failed sign-ins" }).click();
        await admin.getByText("There were no failed sign-ins to forget.").waitFor();
        await admin.getByRole("button", { name: "Deactivate" }).click();
        await admin.getByText("Deactivated; their sessions ended.").waitFor();
        await admin.getByRole("link", { name: "Audit log" }).click();
        await admin.getByRole("row").filter({ hasText: "Login succeeded" }).first().waitFor();
        await admin.getByLabel("Action").selectOption("USER_DEACTIVATED");
        await admin.getByText("1 events").waitFor();
        const rows = admin.locator("tbody tr");
        check((await rows.count()) === 1, "the action filter left other events");
        const text = await rows.first().innerText();
        check(
          text.includes("User deactivated") &&
            text.includes(ADMIN) &&
            text.includes("ada@example.com"),
          `the event row says ${text}`,
        );
        await run.shot(admin, "audit-log");
        await admin.getByRole("link", { name: "Users" }).click();
        await admin.getByRole("table").waitFor();
        await run.shot(admin, "users");
        // The deactivated user's console is signed out on its next page load.
        await page.reload();
        await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();

        await run.step(
          "GraphiQL runs a query with the console's sign-in, and without it",
          async () => {
            // GraphiQL asks for the schema first; the editor runs queries once it has it.
            const introspected = admin.waitForResponse(
              (r) => r.url().endsWith("/graphql") && r.request().method() === "POST",
            );
            await admin.goto(`${base}/graphql`);
            await introspected;
            // The default query asks for `{ __typename me { email role } }`.
            await admin.locator(".graphiql-query-editor").getByText("__typename").waitFor();
            const execute = async (expected) => {
              await admin.locator(".graphiql-execute-button").click();
              await admin.locator(".result-window").getByText(expected).waitFor();
            };
            await execute(`"${ADMIN}"`);
            await run.shot(admin, "graphiql");
            await admin.getByLabel("Send my console sign-in").uncheck();
            await execute('"me": null');
          },
        );
        await desk.context.close();
      });
    },
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
