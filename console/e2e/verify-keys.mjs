// Access tokens verified by an implementation that is not Roster's: the `jose` package, called
// exactly as the README's "Verifying tokens in another service" shows, for ES256 and EdDSA; and
// the tokens it must refuse (a changed payload, another audience, an HS256 token).
//
//   node e2e/verify-keys.mjs [path/to/roster]      (default: ../target/debug/roster)
//
// Each server runs on a free loopback port in a temporary directory of its own; every one is
// stopped (by its handle) and the directory removed when the script ends, passing or failing.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { binary, freePort } from "./support.mjs";

const PASSWORD = "correct horse battery staple";
const START_TIMEOUT = 20_000;

/** Servers still running, so that a failure anywhere stops them all. */
const running = new Set();

async function startRoster(work, algorithm) {
  mkdirSync(work);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    HOME: work,
    DATABASE_URL: `sqlite://${join(work, "roster.db")}?mode=rwc`,
    ROSTER_BIND: `127.0.0.1:${port}`,
    ROSTER_MANAGEMENT_BIND: "127.0.0.1:0",
    // Given, so that the log does not warn about generating them.
    ROSTER_JWT_SECRET: "a verifier-test secret that is long enough for HS256",
    ROSTER_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    ROSTER_LOG: "warn",
    NO_COLOR: "1",
    ...(algorithm ? { ROSTER_JWT_ALGORITHM: algorithm } : {}),
  };
  const server = spawn(binary, ["serve"], {
    env,
    cwd: work,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise((done) => server.once("exit", done));
  const roster = {
    base,
    async stop() {
      running.delete(roster);
      if (server.exitCode === null && server.signalCode === null) server.kill("SIGTERM");
      // A server that ignores SIGTERM is killed rather than waited for.
      const stubborn = setTimeout(() => server.kill("SIGKILL"), START_TIMEOUT);
      await exited;
      clearTimeout(stubborn);
    },
  };
  running.add(roster);
  const deadline = Date.now() + START_TIMEOUT;
  for (;;) {
    try {
      if ((await get(`${base}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null || Date.now() > deadline) throw new Error("roster did not start");
    await new Promise((wake) => setTimeout(wake, 100));
  }
  return roster;
}

/** Registers a user; returns their id and access token. */
async function register(base, email) {
  const query = `mutation { register(input: {email: "${email}", password: "${PASSWORD}"}) { accessToken user { id } } }`;
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(START_TIMEOUT),
  });
  const body = await response.json();
  if (!body.data?.register) throw new Error(`register failed: ${JSON.stringify(body)}`);
  return { id: body.data.register.user.id, token: body.data.register.accessToken };
}

function get(url) {
  return fetch(url, { signal: AbortSignal.timeout(START_TIMEOUT) });
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** The error `promise` rejects with; fails when it resolves. */
async function refusal(promise, what) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`${what} was accepted`);
}

/** The token with one character of its payload changed. */
function tampered(token) {
  const [header, payload, signature] = token.split(".");
  const at = Math.floor(payload.length / 2);
  const changed = payload[at] === "A" ? "B" : "A";
  return [header, payload.slice(0, at) + changed + payload.slice(at + 1), signature].join(".");
}

let passed = 0;
function ok(name) {
  passed++;
  console.log(`ok  ${name}`);
}

async function signedWithKeyPair(work, algorithm) {
  const roster = await startRoster(join(work, algorithm), algorithm);
  const base = roster.base;
  const user = await register(base, `${algorithm.toLowerCase()}@example.com`);

  // As the README shows.
  const JWKS = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`));
  const { payload, protectedHeader } = await jwtVerify(user.token, JWKS, {
    issuer: "roster",
    audience: "roster",
  });
  check(payload.sub === user.id, `sub is ${payload.sub}, the user is ${user.id}`);
  check(protectedHeader.alg === algorithm, `alg is ${protectedHeader.alg}`);
  const { keys } = await (await get(`${base}/.well-known/jwks.json`)).json();
  check(
    keys.some((key) => key.kid === protectedHeader.kid),
    `kid ${protectedHeader.kid} is not in the JWKS`,
  );
  ok(`${algorithm}: jose verifies the access token (sub, alg, kid in the JWKS)`);

  const forged = await refusal(
    jwtVerify(tampered(user.token), JWKS, { issuer: "roster", audience: "roster" }),
    "a token with a changed payload",
  );
  ok(`${algorithm}: jose refuses a token with one payload character changed (${forged.code})`);

  const elsewhere = await refusal(
    jwtVerify(user.token, JWKS, { issuer: "roster", audience: "someone-else" }),
    "a token for another audience",
  );
  check(elsewhere.code === "ERR_JWT_CLAIM_VALIDATION_FAILED", `refused with ${elsewhere.code}`);
  ok(`${algorithm}: jose refuses the token for audience "someone-else" (${elsewhere.code})`);

  await roster.stop();
}

async function signedWithSecret(work) {
  const roster = await startRoster(join(work, "HS256"), null);
  const base = roster.base;
  const user = await register(base, "hs256@example.com");
  const published = await (await get(`${base}/.well-known/jwks.json`)).text();
  check(JSON.stringify(JSON.parse(published)) === '{"keys":[]}', `the JWKS is ${published}`);
  const JWKS = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`));
  const refused = await refusal(
    jwtVerify(user.token, JWKS, { issuer: "roster", audience: "roster" }),
    "an HS256 token",
  );
  ok(`HS256: the JWKS is {"keys":[]} and jose cannot verify the token (${refused.code})`);
  await roster.stop();
}

async function main() {
  const work = mkdtempSync(join(tmpdir(), "roster-verify-keys-"));
  try {
    for (const algorithm of ["ES256", "EdDSA"]) await signedWithKeyPair(work, algorithm);
    await signedWithSecret(work);
  } finally {
    // Each in turn, whatever the one before did: a failed check must leave no process behind.
    for (const roster of [...running]) {
      await roster.stop().catch((error) => console.error("cleanup:", error));
    }
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`\n${passed} token checks passed`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
