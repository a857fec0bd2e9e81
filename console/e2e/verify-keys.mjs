// Access tokens verified by an implementation that is not Roster's: the `jose` package, called
// exactly as the README's "Verifying tokens in another service" shows, for ES256 and EdDSA; and
// the tokens it must refuse (a changed payload, another audience, an HS256 token).
//
// Then a rotation, under ES256, as a verifier that keeps one key set client sees it: `roster
// keys add` and `roster keys rotate` (run as an operator would, with the server's settings);
// the client fetches the set again for the new kid, and still verifies the old key's tokens
// while that key is PREVIOUS. `roster keys revoke` of the old key: it leaves the key set, a
// client with a fresh cache refuses its tokens, and so does Roster. The rotation waits for
// Roster's 10 s reload and for jose's 30 s pause between fetches, so it takes about 40 s.
//
//   node e2e/verify-keys.mjs [path/to/roster]      (default: ../target/debug/roster)
//
// Each server runs on a free loopback port in a temporary directory of its own; every one is
// stopped (by its handle) and the directory removed when the script ends, passing or failing.

import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { binary, freePort } from "./support.mjs";

const PASSWORD = "correct horse battery staple";
const START_TIMEOUT = 20_000;
/** How long a change may take to show: servers reload their keys every 10 s. */
const CHANGE_TIMEOUT = 30_000;
/** jose's pause between fetches of the key set (its default `cooldownDuration`), and a margin. */
const COOLDOWN_TIMEOUT = 31_000;

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
    /** Runs `roster ...args` with the server's settings, as an operator would; its stdout. */
    command(...args) {
      return new Promise((done, fail) => {
        execFile(binary, args, { env, cwd: work, timeout: START_TIMEOUT }, (error, out, err) => {
          if (error) {
            const how = error.code ?? error.signal;
            fail(new Error(`roster ${args.join(" ")} failed (${how}):\n${out}${err}`));
          } else done(out);
        });
      });
    },
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
  const body = await graphql(base, query);
  if (!body.data?.register) throw new Error(`register failed: ${JSON.stringify(body)}`);
  return { id: body.data.register.user.id, token: body.data.register.accessToken };
}

/** Logs the user in again; returns the new access token. */
async function login(base, email) {
  const query = `mutation { login(input: {login: "${email}", password: "${PASSWORD}"}) { accessToken } }`;
  const body = await graphql(base, query);
  if (!body.data?.login) throw new Error(`login failed: ${JSON.stringify(body)}`);
  return body.data.login.accessToken;
}

/** Posts `query`, with `token` as the bearer when given; the response's body. */
async function graphql(base, query, token) {
  const response = await fetch(`${base}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(START_TIMEOUT),
  });
  return response.json();
}

/** The kids `/.well-known/jwks.json` lists now. */
async function publishedKids(base) {
  const { keys } = await (await get(`${base}/.well-known/jwks.json`)).json();
  return keys.map((key) => key.kid);
}

/** Asks `probe` every `every` ms until it answers something truthy, for at most `within` ms. */
async function until(what, probe, { within = CHANGE_TIMEOUT, every = 1_000 } = {}) {
  const deadline = Date.now() + within;
  for (;;) {
    const answer = await probe();
    if (answer) return answer;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${within / 1000} s`);
    await new Promise((wake) => setTimeout(wake, every));
  }
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
  const JWKS = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`), {
    cacheMaxAge: 300_000,
  });
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

/** A rotation and a revocation, seen by one long-lived jose client, a fresh one and Roster. */
async function rotatedAndRevoked(work) {
  const roster = await startRoster(join(work, "ES256-rotation"), "ES256");
  const base = roster.base;
  const email = "rotation@example.com";
  const user = await register(base, email);
  const options = { issuer: "roster", audience: "roster" };

  // Created once and kept for the whole run, as the README says.
  const JWKS = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`), {
    cacheMaxAge: 300_000,
  });
  const oldKid = (await jwtVerify(user.token, JWKS, options)).protectedHeader.kid;

  const added = await roster.command("keys", "add");
  const newKid = /^published (\S+) \(ES256\) as NEXT;/m.exec(added)?.[1];
  check(newKid, `keys add printed: ${added}`);
  check(newKid !== oldKid, `keys add published the current key ${oldKid} again`);
  const rotated = await roster.command("keys", "rotate");
  check(rotated.includes(`${newKid} (ES256) signs now`), `keys rotate printed: ${rotated}`);
  check(rotated.includes(`${oldKid} is PREVIOUS`), `keys rotate printed: ${rotated}`);
  const started = Date.now();
  const token = await until(`a fresh login's token signed by ${newKid}`, async () => {
    const fresh = await login(base, email);
    return decodeProtectedHeader(fresh).kid === newKid && fresh;
  });
  const took = ((Date.now() - started) / 1000).toFixed(1);
  ok(
    `ES256 rotation: after keys add and keys rotate, a login's token names the new kid (${took} s)`,
  );

  // The client fetched the set before the new key existed: only a fetch on the unknown kid can
  // verify this token. jose makes that fetch once its pause since the last one is over (until
  // then it refuses the token, as a verifier does right after a rotation nobody waited for).
  check(
    !JWKS.jwks().keys.some((key) => key.kid === newKid),
    `the client already had ${newKid}: nothing would be refetched`,
  );
  await until("the jose client's pause between fetches to end", () => !JWKS.coolingDown, {
    within: COOLDOWN_TIMEOUT,
    every: 250,
  });
  const verified = await jwtVerify(token, JWKS, options);
  check(verified.payload.sub === user.id, `sub is ${verified.payload.sub}, the user is ${user.id}`);
  check(verified.protectedHeader.kid === newKid, `kid is ${verified.protectedHeader.kid}`);
  check(
    JWKS.jwks().keys.some((key) => key.kid === newKid),
    `the client verified without fetching ${newKid}`,
  );
  ok("ES256 rotation: the same jose client fetches the set for the new kid and verifies the token");

  await jwtVerify(user.token, JWKS, options);
  const still = await graphql(base, "{ me { id } }", user.token);
  check(still.data?.me?.id === user.id, `me with the old token: ${JSON.stringify(still)}`);
  ok(
    "ES256 rotation: the old key's token still verifies (PREVIOUS: published), in jose and Roster",
  );

  const revoked = await roster.command("keys", "revoke", oldKid);
  check(revoked.includes(`revoked ${oldKid}`), `keys revoke printed: ${revoked}`);
  const since = Date.now();
  await until(
    `the JWKS to drop ${oldKid}`,
    async () => !(await publishedKids(base)).includes(oldKid),
  );
  const gone = ((Date.now() - since) / 1000).toFixed(1);
  ok(`ES256 revocation: keys revoke takes the old kid out of the JWKS (${gone} s)`);

  // A verifier trusts what it cached until it fetches the set again (up to 5 minutes, says
  // docs/signing-keys.md): the long-lived client still has the revoked key.
  await jwtVerify(user.token, JWKS, options);
  ok("ES256 revocation: the long-lived jose client still trusts the revoked key it cached");

  // A verifier that fetches the set after the revocation (here a new client) no longer has it.
  const fresh = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`), {
    cacheMaxAge: 300_000,
  });
  await jwtVerify(token, fresh, options);
  const refused = await refusal(jwtVerify(user.token, fresh, options), "the revoked key's token");
  check(refused.code === "ERR_JWKS_NO_MATCHING_KEY", `refused with ${refused.code}`);
  ok(`ES256 revocation: a fresh jose client refuses the old token (${refused.code})`);

  const answer = await graphql(base, "{ me { id } }", user.token);
  const code = answer.errors?.[0]?.extensions?.code;
  check(code === "UNAUTHENTICATED", `me with the revoked key's token: ${JSON.stringify(answer)}`);
  ok(`ES256 revocation: Roster answers me with the old token ${code}`);

  await roster.stop();
}

async function signedWithSecret(work) {
  const roster = await startRoster(join(work, "HS256"), null);
  const base = roster.base;
  const user = await register(base, "hs256@example.com");
  const published = await (await get(`${base}/.well-known/jwks.json`)).text();
  check(JSON.stringify(JSON.parse(published)) === '{"keys":[]}', `the JWKS is ${published}`);
  const JWKS = createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`), {
    cacheMaxAge: 300_000,
  });
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
    await rotatedAndRevoked(work);
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
