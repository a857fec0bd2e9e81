// What the browser tests share: a real SMTP server on loopback (smtp-server) that keeps what it
// receives, the Roster binary on a fresh SQLite database, Debian's Chromium driven by
// playwright-core, pages watched for requests to any other host and for console errors, and
// named steps that show what each page held when one fails.
//
// `browserTest(env, body)` starts the three on free loopback ports in a temporary directory,
// runs `body`, and stops all of them (by their handles) when it ends, passing or failing.

import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SMTPServer } from "smtp-server";
import { simpleParser } from "mailparser";
import { chromium } from "playwright-core";
import { binary, freePort } from "./support.mjs";

export const PASSWORD = "correct horse battery staple";
/** The superuser each server starts with (its password is `PASSWORD`). */
export const ADMIN = "admin@example.com";
export const STEP_TIMEOUT = 15_000;

const screenshots = process.env.SCREENSHOTS ? resolve(process.env.SCREENSHOTS) : null;

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

/** The link to `/{path}?token=...` in a mail. */
export function linkIn(mail, path) {
  const match = mail.text.match(new RegExp(`https?://\\S+/${path}\\?token=[A-Za-z0-9_-]+`));
  if (!match) throw new Error(`no /${path} link in:\n${mail.text}`);
  return match[0];
}

async function startRoster(work, mailPort, settings, host) {
  const port = await freePort();
  // The address the browser opens and the server calls its own; it listens on 127.0.0.1.
  const base = `http://${host}:${port}`;
  const env = {
    PATH: process.env.PATH,
    HOME: work,
    DATABASE_URL: `sqlite://${join(work, "roster.db")}?mode=rwc`,
    ROSTER_BIND: `127.0.0.1:${port}`,
    ROSTER_JWT_SECRET: "a browser-test secret that is long enough for HS256",
    ROSTER_SMTP_URL: `smtp://127.0.0.1:${mailPort}?tls=none`,
    ROSTER_PUBLIC_URL: base,
    ROSTER_RATE_LIMIT: "0",
    ROSTER_LOG: "warn",
    NO_COLOR: "1",
    ...settings,
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
  const exited = new Promise((done) => server.once("exit", done));
  const stop = async () => {
    if (server.exitCode === null) server.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error("roster did not start");
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  return { base, stop };
}

/** Signs in on `page` with the password; the second step (if any) is left to the caller. */
export async function signIn(page, base, login, password) {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("Email or username").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Signs out with the header's button and waits for the sign-in page. */
export async function signOut(page) {
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** One run of browser steps against one server. */
class Run {
  steps = [];
  pages = [];
  problems = [];
  /** Refresh requests sent by any page so far. */
  refreshes = 0;
  /** Other origins a test sends the browser to on purpose (an identity provider's pages). */
  visited = new Set();

  constructor(browser, base) {
    this.browser = browser;
    this.base = base;
  }

  /** A browser context of its own (its own storage: another device), watched for strays. */
  async device(viewport = { width: 1280, height: 800 }) {
    const context = await this.browser.newContext({ viewport, acceptDownloads: true });
    context.setDefaultTimeout(STEP_TIMEOUT);
    const page = await context.newPage();
    this.pages.push(page);
    const origin = new URL(this.base).origin;
    page.on("request", (request) => {
      if (request.method() === "POST" && request.postData()?.includes('"operationName":"Refresh"'))
        this.refreshes++;
      const url = new URL(request.url());
      if (
        url.origin !== origin &&
        !this.visited.has(url.origin) &&
        url.protocol !== "data:" &&
        url.protocol !== "blob:"
      ) {
        this.problems.push(`request to another host: ${request.url()}`);
      }
    });
    page.on("console", (message) => {
      // What a visited site's own pages log (a missing favicon) is not the console's.
      if (this.visited.has(new URL(page.url()).origin)) return;
      if (message.type() === "error")
        this.problems.push(`console error on ${page.url()}: ${message.text()}`);
    });
    page.on("pageerror", (error) =>
      this.problems.push(`page error on ${page.url()}: ${error.message}`),
    );
    // The console asks before what cannot be taken back (deactivating, changing a role): yes.
    page.on("dialog", (dialog) => dialog.accept());
    return { context, page };
  }

  /** Lets pages go to `origin` (an identity provider's sign-in pages, where the console sends
   * the browser): its requests are not strays. */
  visit(origin) {
    this.visited.add(new URL(origin).origin);
  }

  /** Runs one named step; when it fails, says what each open page showed. */
  async step(name, body) {
    const started = Date.now();
    try {
      await body();
    } catch (error) {
      for (const [index, page] of this.pages.entries()) {
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
    this.steps.push(`ok  ${name} (${Date.now() - started} ms)`);
    console.log(`ok  ${name} (${Date.now() - started} ms)`);
  }

  /** With SCREENSHOTS set, keeps what `page` shows as `{name}.png` there (for docs/). */
  async shot(page, name) {
    if (!screenshots) return;
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: false });
  }
}

/**
 * Starts a mail server, a Roster with `settings` (environment variables) and Chromium; runs
 * `body({ base, mail, run })`; fails if any page strayed to another host or logged an error;
 * and stops everything it started, whatever happened. `host` is the name the browser reaches
 * the server by (`localhost` for passkeys, which take no IP address).
 */
export async function browserTest(settings, body, { host = "127.0.0.1" } = {}) {
  const work = mkdtempSync(join(tmpdir(), "roster-e2e-"));
  const cleanups = [];
  try {
    const mail = await startMail();
    cleanups.unshift(() => mail.close());
    const roster = await startRoster(work, mail.port, settings, host);
    cleanups.unshift(() => roster.stop());
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    });
    cleanups.unshift(() => browser.close());
    const run = new Run(browser, roster.base);
    await body({ base: roster.base, mail, run });
    check(run.problems.length === 0, `problems:\n${run.problems.join("\n")}`);
    console.log(`\n${run.steps.length} browser steps passed`);
  } finally {
    // Each in turn, whatever the one before did: a failed step must leave no process behind.
    for (const cleanup of cleanups) {
      await cleanup().catch((error) => console.error("cleanup:", error));
    }
    rmSync(work, { recursive: true, force: true });
  }
}
