// The console in a real browser: Debian's Chromium driven by playwright-core, against the
// Roster binary on a fresh SQLite database and a real SMTP server on loopback (smtp-server).
// Every page is checked for requests to any other host and for console errors.
//
//   node e2e/run.mjs [path/to/roster]      (default: ../target/debug/roster)
//   SCREENSHOTS=../docs/screenshots node e2e/run.mjs   also writes the screenshots docs/console.md shows
//
// It starts its own server and mail server on free loopback ports, in a temporary directory,
// and stops both (by their handles) when it ends, passing or failing.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";
import { chromium } from "playwright-core";
import { binary, freePort } from "./support.mjs";

const screenshots = process.env.SCREENSHOTS ? resolve(process.env.SCREENSHOTS) : null;
const PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "a second long passphrase";
const RESET_PASSWORD = "a third long passphrase";
const ADMIN = "admin@example.com";
const STEP_TIMEOUT = 15_000;
/** Access tokens live this long here, so the run crosses expiry and refreshes. */
const ACCESS_TTL_SECONDS = 20;

/** A mail server that keeps what it receives, parsed. */
async function startMail() {
  const inbox = [];
  const waiting = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        inbox.push(mail);
        waiting.splice(0).forEach((wake) => wake());
        callback();
      }, callback);
    },
  });
  const port = await freePort();
  await new Promise((done) => server.listen(port, "127.0.0.1", done));
  return {
    port,
    close: () => new Promise((done) => server.close(done)),
    /** The newest mail to `to` whose subject contains `subject`, waiting up to 15 s. */
    async one(to, subject, after = 0) {
      const deadline = Date.now() + STEP_TIMEOUT;
      for (;;) {
        const found = inbox
          .slice(after)
          .reverse()
          .find((m) => m.to?.text.includes(to) && m.subject.includes(subject));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail "${subject}" to ${to}`);
        await new Promise((wake) => {
          waiting.push(wake);
          setTimeout(wake, 500);
        });
      }
    },
    get count() {
      return inbox.length;
    },
  };
}

function linkIn(mail, path) {
  const match = mail.text.match(new RegExp(`https?://\\S+/${path}\\?token=[A-Za-z0-9_-]+`));
  if (!match) throw new Error(`no /${path} link in:\n${mail.text}`);
  return match[0];
}

async function startRoster(work, mailPort) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    HOME: work,
    DATABASE_URL: `sqlite://${join(work, "roster.db")}?mode=rwc`,
    ROSTER_BIND: `127.0.0.1:${port}`,
    ROSTER_JWT_SECRET: "a browser-test secret that is long enough for HS256",
    ROSTER_SMTP_URL: `smtp://127.0.0.1:${mailPort}?tls=none`,
    ROSTER_PUBLIC_URL: base,
    ROSTER_RATE_LIMIT: "0",
    ROSTER_ACCESS_TOKEN_TTL: String(ACCESS_TTL_SECONDS),
    ROSTER_LOG: "warn",
    NO_COLOR: "1",
  };
  execFileSync(binary, ["create-superuser", "--email", ADMIN, "--password", PASSWORD], {
    env,
    cwd: work,
    stdio: "ignore",
  });
  const server = spawn(binary, ["serve"], {
    env,
    cwd: work,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null || Date.now() > deadline) throw new Error("roster did not start");
    await new Promise((wake) => setTimeout(wake, 100));
  }
  const exited = new Promise((done) => server.once("exit", done));
  return {
    base,
    server,
    async stop() {
      if (server.exitCode === null) server.kill("SIGTERM");
      await exited;
    },
  };
}

/** A browser context of its own (its own storage: another device), watched for strays. */
async function device(browser, base, problems, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(STEP_TIMEOUT);
  const page = await context.newPage();
  pages.push(page);
  const origin = new URL(base).origin;
  page.on("request", (request) => {
    if (request.method() === "POST" && request.postData()?.includes('"operationName":"Refresh"'))
      refreshes.count++;
    const url = new URL(request.url());
    if (url.origin !== origin && url.protocol !== "data:" && url.protocol !== "blob:") {
      problems.push(`request to another host: ${request.url()}`);
    }
  });
  page.on("console", (message) => {
    if (message.type() === "error")
      problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error on ${page.url()}: ${error.message}`));
  // The console asks before what cannot be taken back (deactivating, changing a role): yes.
  page.on("dialog", (dialog) => dialog.accept());
  return { context, page };
}

async function shot(page, name) {
  if (!screenshots) return;
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: false });
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const steps = [];
const pages = [];
const refreshes = { count: 0 };
async function step(name, body) {
  const started = Date.now();
  try {
    await body();
  } catch (error) {
    // What each open page showed when the step failed, for the log reader.
    for (const [index, page] of pages.entries()) {
      if (page.isClosed()) continue;
      const path = join(tmpdir(), `roster-e2e-failure-${index}.png`);
      await page.screenshot({ path }).catch(() => {});
      const shown = await page
        .locator("main")
        .innerText()
        .catch(() => "");
      console.error(`page ${index} (${page.url()}) at failure: ${path}\n${shown}`);
    }
    throw new Error(`step "${name}" failed: ${error.message}`, { cause: error });
  }
  steps.push(`ok  ${name} (${Date.now() - started} ms)`);
  console.log(`ok  ${name}`);
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "roster-e2e-"));
  const mail = await startMail();
  const roster = await startRoster(work, mail.port);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  const problems = [];
  try {
    const { base } = roster;
    const { page } = await device(browser, base, problems, { width: 390, height: 844 });

    await step("register at 390 px wide", async () => {
      await page.goto(`${base}/`);
      await page.getByRole("link", { name: "Register" }).click();
      await shot(page, "register");
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
          .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
      );
      check(width <= 390, `the account page is ${width} px wide at 390: ${wide.join(", ")}`);
    });

    await step("verify the email from the mailed link (confirming on the page)", async () => {
      const link = linkIn(await mail.one("ada@example.com", "Confirm"), "verify-email");
      check(new URL(link).origin === base, `the link points at ${link}`);
      await page.goto(link);
      await page.getByRole("button", { name: "Confirm my address" }).click();
      await page.getByText("Your address is confirmed").waitFor();
    });

    await step("edit the profile", async () => {
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
      await shot(page, "account");
    });

    await step("changing the email asks for the current password", async () => {
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
      await page.goto(linkIn(await mail.one("ada@example.com", "Confirm", before), "verify-email"));
      await page.getByRole("button", { name: "Confirm my address" }).click();
      await page.getByText("Your address is confirmed").waitFor();
      await page.goto(`${base}/account`);
      await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
    });

    await step("change the password and stay signed in", async () => {
      await page.getByLabel("Current password").fill(PASSWORD);
      await page.getByLabel("New password").fill(NEW_PASSWORD);
      await page.getByRole("button", { name: "Change password" }).click();
      await page.getByText("Password changed.").waitFor();
      await page.reload();
      await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
    });

    await step(
      "stays signed in past the access token's expiry (refreshing, not signing out)",
      async () => {
        const before = refreshes.count;
        await page.waitForTimeout((ACCESS_TTL_SECONDS + 2) * 1000);
        await page.getByRole("link", { name: "Account" }).click();
        await page.getByRole("heading", { name: "Where you are signed in" }).waitFor();
        await page.getByRole("heading", { name: "Recent activity" }).waitFor();
        await page.locator(".events li").first().waitFor();
        check(refreshes.count > before, "no refresh was sent past the expiry");
        check(
          (await page.getByRole("heading", { name: "Sign in", exact: true }).count()) === 0,
          "signed out at expiry",
        );
      },
    );

    await step("revoke another device's session", async () => {
      const phone = await device(browser, base, problems);
      await phone.page.goto(`${base}/sign-in`);
      await phone.page.getByLabel("Email or username").fill("ada@example.com");
      await phone.page.getByLabel("Password").fill(NEW_PASSWORD);
      await phone.page.getByRole("button", { name: "Sign in" }).click();
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

    await step("forgot and reset the password with the mailed token", async () => {
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
      await page.getByRole("link", { name: "Forgot your password?" }).click();
      const before = mail.count;
      await page.getByLabel("Email").fill("ada@example.com");
      await page.getByRole("button", { name: "Send me a link" }).click();
      await page.getByText("a link to choose a new password is on its way").waitFor();
      const link = linkIn(await mail.one("ada@example.com", "Reset", before), "reset-password");
      await page.goto(link);
      await shot(page, "reset-password");
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

    await step("a plain user sees no admin pages", async () => {
      await page.goto(`${base}/sign-in`);
      await page.getByLabel("Email or username").fill("ada@example.com");
      await page.getByLabel("Password").fill(RESET_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
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

    await step("an admin deactivates a user and sees it in the audit log", async () => {
      const desk = await device(browser, base, problems);
      const admin = desk.page;
      await admin.goto(`${base}/sign-in`);
      await admin.getByLabel("Email or username").fill(ADMIN);
      await admin.getByLabel("Password").fill(PASSWORD);
      await admin.getByRole("button", { name: "Sign in" }).click();
      await admin.getByRole("link", { name: "Users" }).click();
      await admin.getByRole("link", { name: ADMIN }).waitFor();
      await admin.getByLabel("Search").fill("ada");
      await admin.getByRole("link", { name: ADMIN }).waitFor({ state: "detached" });
      await admin.getByRole("link", { name: "ada@example.com" }).click();
      await admin.getByRole("heading", { name: "ada@example.com" }).waitFor();
      await shot(admin, "user");
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
      await shot(admin, "audit-log");
      await admin.getByRole("link", { name: "Users" }).click();
      await admin.getByRole("table").waitFor();
      await shot(admin, "users");
      // The deactivated user's console is signed out on its next page load.
      await page.reload();
      await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();

      await step("GraphiQL runs a query with the console's sign-in, and without it", async () => {
        // GraphiQL asks for the schema first; the editor runs queries once it has it.
        const introspected = admin.waitForResponse(
          (r) => r.url().endsWith("/graphql") && r.request().method() === "POST",
        );
        await admin.goto(`${base}/graphql`);
        await introspected;
        // The default query asks for `{ __typename me { email role } }`.
        await admin.locator(".graphiql-query-editor").getByText("__typename").waitFor();
        const run = async (expected) => {
          await admin.locator(".graphiql-execute-button").click();
          await admin.locator(".result-window").getByText(expected).waitFor();
        };
        await run(`"${ADMIN}"`);
        await shot(admin, "graphiql");
        await admin.getByLabel("Send my console sign-in").uncheck();
        await run('"me": null');
      });
      await desk.context.close();
    });

    check(problems.length === 0, `problems:\n${problems.join("\n")}`);
  } finally {
    // Each in turn, whatever the one before did: a failed step must leave no process behind.
    for (const cleanup of [() => browser.close(), () => roster.stop(), () => mail.close()]) {
      await cleanup().catch((error) => console.error("cleanup:", error));
    }
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`\n${steps.length} browser steps passed`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
