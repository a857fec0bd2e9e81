// Two-factor authentication in the console, in a real browser (see browser.mjs): enrolment with
// a QR code drawn in the page (decoded here by jsQR, an independent reader), the recovery codes
// shown once and downloaded, sign-in's second step with an authenticator code and with a
// recovery code (and an expired one starting again), the reset page's second step, "confirm it is you" before what needs a recent
// sign-in, an administrator's reset, and `--require-mfa admins` sending an administrator
// without a second factor to set one up.
//
//   node e2e/two-factor.mjs [path/to/roster]      (default: ../target/debug/roster)
//
// Codes are computed here (totp.mjs) from the URI the QR code carries. The reauthentication
// window is 2 s, so a step waits it out before what must ask to confirm it is you.

import { readFile } from "node:fs/promises";
import jsQR from "jsqr";
import { register } from "./api.mjs";
import { ADMIN, PASSWORD, browserTest, check, linkIn, signIn, signOut } from "./browser.mjs";
import { Authenticator } from "./totp.mjs";

const WINDOW_SECONDS = 2;
const ADA = "ada@example.com";
const ADA_NEW = "ada.lovelace@example.com";
const BOB = "bob@example.com";
const NEW_PASSWORD = "a second long passphrase";

const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));

/** Past the reauthentication window: what needs a recent sign-in asks again. */
const outlastWindow = () => sleep(WINDOW_SECONDS * 1000 + 500);

/** The text the page's QR code carries, read from its pixels by jsQR. */
async function readQrCode(page) {
  const qr = page.locator("svg.qr");
  await qr.waitFor();
  // Drawn on a canvas at 4 pixels a module, and handed over as one character a pixel.
  const image = await qr.evaluate(async (svg) => {
    const picture = new Image();
    picture.src = `data:image/svg+xml,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
    await picture.decode();
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = svg.viewBox.baseVal.width * 4;
    const context = canvas.getContext("2d");
    context.drawImage(picture, 0, 0, canvas.width, canvas.height);
    const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height);
    let dark = "";
    for (let i = 0; i < data.length; i += 4) dark += data[i] < 128 ? "1" : "0";
    return { dark, width, height };
  });
  const pixels = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0; i < image.dark.length; i++) {
    const value = image.dark[i] === "1" ? 0 : 255;
    pixels.set([value, value, value, 255], i * 4);
  }
  const read = jsQR(pixels, image.width, image.height);
  check(read, "the QR code could not be read");
  return read.data;
}

/** Enrols an app from the "Add an authenticator app" panel shown on `page`: checks the QR
 * code against the secret shown for typing, confirms with a code, and returns the app. */
async function enrol(page, label) {
  const panel = page.getByRole("form", { name: "Add an authenticator app" });
  await panel.waitFor();
  const uri = await readQrCode(page);
  check(uri.startsWith("otpauth://totp/"), `the QR code carries ${uri}`);
  const app = new Authenticator(uri);
  const typed = (await panel.locator(".secret").innerText()).replaceAll(" ", "");
  check(
    typed === app.totp.secret.base32,
    `the secret shown (${typed}) is not the QR code's (${app.totp.secret.base32})`,
  );
  await panel.getByLabel("Code from the app").fill(await app.code());
  await panel.getByLabel("Name for this app (optional)").fill(label);
  await panel.getByRole("button", { name: "Confirm" }).click();
  return app;
}

/** The recovery codes shown once, read and put away ("I have saved them"). */
async function recoveryCodes(page) {
  const shown = page.getByRole("region", { name: "Your recovery codes" });
  await shown.waitFor();
  const codes = await shown.locator("li code").allInnerTexts();
  check(codes.length === 10, `${codes.length} recovery codes shown`);
  check(
    codes.every((code) => /^[0-9a-z]{5}-[0-9a-z]{5}$/i.test(code)),
    `codes look like ${codes[0]}`,
  );
  return { shown, codes };
}

async function savedThem(page) {
  const shown = page.getByRole("region", { name: "Your recovery codes" });
  await shown.getByRole("button", { name: "I have saved them" }).click();
  await shown.waitFor({ state: "detached" });
}

/** The "Confirm it is you" dialog, answered with `fill(dialog)`. */
async function confirmItIsYou(page, fill) {
  const dialog = page.getByRole("dialog", { name: "Confirm it is you" });
  await dialog.waitFor();
  await fill(dialog);
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await dialog.waitFor({ state: "detached" });
}

async function main() {
  const settings = {
    ROSTER_REQUIRE_MFA: "admins",
    ROSTER_REAUTHENTICATION_WINDOW: String(WINDOW_SECONDS),
  };
  // Each account may check its secrets (and start enrolments, confirm them, make codes) about
  // ten times in a burst: the steps share that work among three accounts.
  await browserTest(settings, async ({ base, mail, run }) => {
    const desk = await run.device();
    const admin = desk.page;
    let adminCodes;

    await run.step("an admin without a second factor is sent to set one up", async () => {
      await signIn(admin, base, ADMIN, PASSWORD);
      await admin.getByRole("heading", { name: "Two-factor authentication", level: 1 }).waitFor();
      await admin.getByText("Your account must use two-factor authentication.").waitFor();
      // Every other page sends it back here until it has a second factor.
      await admin.getByRole("link", { name: "Users" }).click();
      await admin.getByRole("heading", { name: "Two-factor authentication", level: 1 }).waitFor();
      check(new URL(admin.url()).pathname === "/account/two-factor", `at ${admin.url()}`);
    });

    await run.step(
      "it enrols after confirming its password, then reaches the admin pages",
      async () => {
        await outlastWindow();
        await admin.getByRole("button", { name: "Add an authenticator app" }).click();
        const dialog = admin.getByRole("dialog", { name: "Confirm it is you" });
        await dialog.getByLabel("Your password").fill("not the password");
        await dialog.getByRole("button", { name: "Confirm" }).click();
        await dialog.getByText("is incorrect").waitFor();
        await confirmItIsYou(admin, (d) => d.getByLabel("Your password").fill(PASSWORD));
        await enrol(admin, "Desk phone");
        adminCodes = (await recoveryCodes(admin)).codes;
        await savedThem(admin);
        await admin.getByRole("link", { name: "Continue to your account" }).click();
        await admin.getByRole("heading", { name: "Your account", exact: true }).waitFor();
        await admin.locator(".events li").first().waitFor();
        await admin.getByRole("link", { name: "Users" }).click();
        await admin.getByRole("heading", { name: "Users", exact: true }).waitFor();
        await admin.getByRole("link", { name: ADMIN }).waitFor();
      },
    );

    await run.step(
      "its last authenticator app cannot be removed (required of admins)",
      async () => {
        await admin.getByRole("link", { name: "Account" }).click();
        const section = admin.getByRole("region", { name: "Two-factor authentication" });
        await outlastWindow();
        await section.getByRole("button", { name: "Remove Desk phone" }).click();
        await confirmItIsYou(admin, async (dialog) => {
          // An account with a second factor confirms with it, not with the password.
          check((await dialog.getByLabel("Your password").count()) === 0, "the password is asked");
          await dialog.getByRole("button", { name: "Use a recovery code instead" }).click();
          await dialog.getByLabel("Recovery code").fill(adminCodes[0]);
        });
        await section.getByText("Your account must keep two-factor authentication").waitFor();
        await section.getByText("You have 9 unused recovery codes.").waitFor();
        await section.getByRole("button", { name: "Remove Desk phone" }).waitFor();
        // A refused change is said where it was asked for: the page stays.
        check(new URL(admin.url()).pathname === "/account", `at ${admin.url()}`);
      },
    );

    // Ada: an account of her own (no second factor required of her), on a phone.
    await register(base, mail, ADA);
    const { page } = await run.device({ width: 390, height: 844 });
    let phone;
    let codes;

    await run.step(
      "enrol an authenticator app: QR code, secret, recovery codes downloaded",
      async () => {
        await signIn(page, base, ADA, PASSWORD);
        await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
        const section = page.getByRole("region", { name: "Two-factor authentication" });
        await section.getByText("Two-factor authentication is off: signing in").waitFor();
        await outlastWindow();
        await section.getByRole("button", { name: "Add an authenticator app" }).click();
        await confirmItIsYou(page, (dialog) => dialog.getByLabel("Your password").fill(PASSWORD));
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        check(width <= 390, `the enrolment is ${width} px wide at 390`);
        phone = await enrol(page, "Phone");
        const shown = await recoveryCodes(page);
        codes = shown.codes;
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          shown.shown.getByRole("button", { name: "Download" }).click(),
        ]);
        check(
          download.suggestedFilename() === "roster-recovery-codes.txt",
          `downloaded as ${download.suggestedFilename()}`,
        );
        const file = await readFile(await download.path(), "utf8");
        check(file.includes(`for ${ADA}`), `the file names no account:\n${file}`);
        check(
          codes.every((code) => file.split("\n").includes(code)),
          `the file lacks codes:\n${file}`,
        );
        await savedThem(page);
        await section.getByText("Two-factor authentication is on: signing in").waitFor();
        await section.getByRole("cell", { name: "Phone", exact: true }).waitFor();
        await section.getByText("You have 10 unused recovery codes.").waitFor();
        await page
          .getByRole("row", { name: /This device/ })
          .getByText("Two factors: password, authenticator app")
          .waitFor();
      },
    );

    await run.step("sign out, sign in with the password and an authenticator code", async () => {
      await signOut(page);
      await signIn(page, base, ADA, PASSWORD);
      const step = page.getByRole("form", { name: "Second step" });
      await step.waitFor();
      await run.shot(page, "second-step");
      await step.getByLabel("Code from your authenticator app").fill(phone.wrongCode());
      await step.getByRole("button", { name: "Continue" }).click();
      await step.getByText("is not right, or was used already").waitFor();
      await step.getByLabel("Code from your authenticator app").fill(await phone.code());
      await step.getByRole("button", { name: "Continue" }).click();
      await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
      await page
        .getByRole("row", { name: /This device/ })
        .getByText("Two factors: password, authenticator app")
        .waitFor();
    });

    await run.step("an expired sign-in starts again; then a recovery code signs in", async () => {
      await signOut(page);
      await signIn(page, base, ADA, PASSWORD);
      const step = page.getByRole("form", { name: "Second step" });
      // The challenge as the server sees it after 5 minutes: unknown. (Its token, changed on
      // the way, is the only thing that differs.)
      let expired = false;
      await page.route(`${base}/graphql`, (route) => {
        const body = route.request().postDataJSON();
        if (expired || body?.operationName !== "VerifySecondFactor") return route.fallback();
        expired = true;
        const variables = { ...body.variables, challengeToken: "an-expired-challenge" };
        return route.continue({ postData: JSON.stringify({ ...body, variables }) });
      });
      await step.getByLabel("Code from your authenticator app").fill(phone.wrongCode());
      await step.getByRole("button", { name: "Continue" }).click();
      await page.getByText("This sign-in has expired. Start again with your password.").waitFor();
      await page.unroute(`${base}/graphql`);
      check(expired, "the second step was not sent");
      await page.getByRole("button", { name: "Start again" }).click();
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await step.getByRole("button", { name: "Use a recovery code instead" }).click();
      await step.getByLabel("Recovery code").fill(codes[0].toUpperCase());
      await step.getByRole("button", { name: "Continue" }).click();
      await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
      await page.getByText("You have 9 unused recovery codes.").waitFor();
      await page
        .getByRole("row", { name: /This device/ })
        .getByText("Two factors: password, recovery code")
        .waitFor();
    });

    await run.step(
      "a password reset asks for the second factor; a used code is refused",
      async () => {
        await signOut(page);
        const before = mail.count;
        await page.getByRole("link", { name: "Forgot your password?" }).click();
        await page.getByLabel("Email").fill(ADA);
        await page.getByRole("button", { name: "Send me a link" }).click();
        await page.goto(linkIn(await mail.one(ADA, "Reset", before), "reset-password"));
        await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
        await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
        await page.getByRole("button", { name: "Set the new password" }).click();
        const step = page.getByRole("form", { name: "Second step" });
        await page.getByText("Your new password is set").waitFor();
        await step.getByRole("button", { name: "Use a recovery code instead" }).click();
        await step.getByLabel("Recovery code").fill(codes[0]);
        await step.getByRole("button", { name: "Continue" }).click();
        await step.getByText("is not right, or was used already").waitFor();
        await step.getByLabel("Recovery code").fill(codes[1]);
        await step.getByRole("button", { name: "Continue" }).click();
        await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
        await page.getByText("Your new password is set").waitFor();
      },
    );

    await run.step("an email change asks to confirm it is you with the second factor", async () => {
      const profile = page.getByRole("region", { name: "Profile" });
      await outlastWindow();
      await profile.getByLabel("Email").fill(ADA_NEW);
      await profile.getByText("asks you to confirm it is you").waitFor();
      check(
        (await profile.getByLabel("Current password").count()) === 0,
        "the password is asked for",
      );
      await profile.getByRole("button", { name: "Save profile" }).click();
      await confirmItIsYou(page, async (dialog) =>
        dialog.getByLabel("Code from your authenticator app").fill(await phone.code()),
      );
      await profile.getByText("Saved.").waitFor();
      check((await profile.getByLabel("Email").inputValue()) === ADA_NEW, "the email was not kept");
    });

    // Bob: new recovery codes, then his only app removed.
    await register(base, mail, BOB);
    const laptop = await run.device();
    const bobPage = laptop.page;
    let tablet;
    let bobCodes;

    await run.step("new recovery codes, after confirming with the authenticator app", async () => {
      await signIn(bobPage, base, BOB, PASSWORD);
      const section = bobPage.getByRole("region", { name: "Two-factor authentication" });
      await outlastWindow();
      await section.getByRole("button", { name: "Add an authenticator app" }).click();
      await confirmItIsYou(bobPage, (dialog) => dialog.getByLabel("Your password").fill(PASSWORD));
      await bobPage.locator("svg.qr").waitFor();
      await section.evaluate((element) => element.scrollIntoView());
      await run.shot(bobPage, "two-factor");
      tablet = await enrol(bobPage, "Tablet");
      const first = (await recoveryCodes(bobPage)).codes;
      await savedThem(bobPage);
      await outlastWindow();
      await section.getByRole("button", { name: "Generate new recovery codes" }).click();
      await confirmItIsYou(bobPage, async (dialog) =>
        dialog.getByLabel("Code from your authenticator app").fill(await tablet.code()),
      );
      bobCodes = (await recoveryCodes(bobPage)).codes;
      check(!bobCodes.some((code) => first.includes(code)), "an old code came back");
      await savedThem(bobPage);
      await section.getByText("You have 10 unused recovery codes.").waitFor();
    });

    await run.step("remove the only authenticator app, after confirming with a code", async () => {
      const section = bobPage.getByRole("region", { name: "Two-factor authentication" });
      await outlastWindow();
      await section.getByRole("button", { name: "Remove Tablet" }).click();
      await confirmItIsYou(bobPage, async (dialog) => {
        await dialog.getByRole("button", { name: "Use a recovery code instead" }).click();
        await dialog.getByLabel("Recovery code").fill(bobCodes[0]);
      });
      await section.getByText("Tablet removed. Two-factor authentication is off.").waitFor();
      await section.getByText("Two-factor authentication is off: signing in").waitFor();
      await section.getByRole("button", { name: "Remove Tablet" }).waitFor({ state: "detached" });
      check(
        (await section.getByRole("button", { name: "Generate new recovery codes" }).count()) === 0,
        "recovery codes are offered without a second factor",
      );
    });

    await run.step("an admin sees who has two-factor on and resets Ada's", async () => {
      await admin.getByRole("link", { name: "Users" }).click();
      await admin.getByLabel("Two-factor").selectOption("false");
      await admin.getByText("1 user", { exact: true }).waitFor();
      await admin.getByRole("link", { name: BOB }).waitFor();
      await admin.getByLabel("Two-factor").selectOption("true");
      await admin.getByText("2 users").waitFor();
      await admin.getByRole("link", { name: ADMIN }).click();
      await admin.getByText("Two-factor: on").waitFor();
      check(
        (await admin.getByRole("button", { name: "Reset two-factor" }).count()) === 0,
        "an admin is offered to reset their own",
      );
      await admin.goBack();
      await admin.getByRole("link", { name: ADA_NEW }).click();
      await admin.getByText("Two-factor: on").waitFor();
      const before = mail.count;
      await outlastWindow();
      await admin.getByRole("button", { name: "Reset two-factor" }).click();
      // The one way around someone's second factor wants its ADMIN present, not a stale session.
      await confirmItIsYou(admin, async (dialog) => {
        await dialog.getByRole("button", { name: "Use a recovery code instead" }).click();
        await dialog.getByLabel("Recovery code").fill(adminCodes[1]);
      });
      await admin.getByText("Two-factor authentication reset; their sessions ended.").waitFor();
      await admin.getByText("Two-factor: off").waitFor();
      await admin.getByRole("button", { name: "Reset two-factor" }).waitFor({ state: "detached" });
      await mail.one(ADA_NEW, "Two-factor authentication was reset", before);
      // Ada's sessions ended; she signs in with the password alone now.
      await page.reload();
      await page.getByRole("heading", { name: "Sign in", exact: true }).waitFor();
      await signIn(page, base, ADA_NEW, NEW_PASSWORD);
      await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
      await page.getByText("Two-factor authentication is off: signing in").waitFor();
    });

    await run.step("the audit log offers and finds the two-factor actions", async () => {
      await admin.getByRole("link", { name: "Audit log" }).click();
      await admin.getByLabel("Action").selectOption("MFA_RESET");
      await admin.getByText("1 events").waitFor();
      await admin.getByRole("cell", { name: "MFA reset" }).waitFor();
      await admin.getByLabel("Action").selectOption("TOTP_REMOVED");
      await admin.getByText("1 events").waitFor();
      await admin.getByRole("cell", { name: BOB }).first().waitFor();
    });
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
