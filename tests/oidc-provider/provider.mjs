// A real OpenID Provider on loopback for Roster's tests of sign-in with identity providers:
// `oidc-provider` (an OpenID-certified implementation) with the clients and accounts a test
// gives it, and login pages of its own that a browser test or a plain HTTP client can drive.
//
//   OIDC_CONFIG='{"clients":[{"client_id":"roster","client_secret":"...",
//                             "redirect_uris":["http://127.0.0.1:PORT/oauth/SLUG/callback"]}],
//                 "accounts":{"ada":{"sub":"ada-1","email":"ada@example.com",
//                                    "email_verified":true,"name":"Ada"}}}' \
//   [OIDC_PORT=PORT] node provider.mjs
//
// It listens on 127.0.0.1 (port 0 unless OIDC_PORT says otherwise), prints one line
// `ISSUER http://127.0.0.1:PORT` once it serves, and exits when its stdin closes (so a parent
// that dies, however it dies, leaves no provider behind) or on SIGTERM.
//
// - Accounts are keyed by the login a person types; `sub` is the subject the provider asserts.
//   Two logins may share one `sub`: the same person as the provider reports them after a
//   change (another email, say). A subject's claims are those of the login last used for it.
// - GET /interaction/:uid is a login form (`<input name="login">`, "Sign in", "Cancel").
//   Signing in with a configured login also grants what the client asked for (scopes and
//   claims), in one step; an unknown login shows the form again with an error; Cancel ends the
//   authorization with `access_denied`.
// - Scope `email` gives `email` and `email_verified`, `profile` gives `name`, and both go into
//   the ID token as well as userinfo (as Google's and Keycloak's do), signed with RS256 by a
//   key made at start (an ES256 key is published too, for a client registered with
//   `id_token_signed_response_alg: "ES256"`).
// - PKCE (S256) is required of every client, so a client that does not send it fails.
// - Each client is registered with what the config says; other client metadata passes through.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_CONFIG ?? '{}');
const clients = config.clients ?? [];
const accounts = config.accounts ?? {};

// The provider knows an account by its subject (the ID token's `sub` is the account id); the
// login last used for each subject says which claims it has now.
const loginOfSubject = new Map(
  Object.entries(accounts)
    .reverse()
    .map(([login, account]) => [account.sub, login]),
);

// The host a browser test and Roster reach it by. 127.0.0.1, never `localhost`: the issuer
// must be the same string on both sides.
const HOST = '127.0.0.1';

function signingKey(kind, options, alg) {
  const { privateKey } = generateKeyPairSync(kind, options);
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, alg, use: 'sig', kid: `${alg.toLowerCase()}-${randomBytes(6).toString('hex')}` };
}

function escapeHtml(text) {
  return String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

function loginPage(uid, clientId, error) {
  const alert = error ? `<p role="alert" class="error">${escapeHtml(error)}</p>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in to the test provider</title></head>
<body>
<main>
<h1>Sign in to the test provider</h1>
<p>${escapeHtml(clientId)} asks for your email address and name.</p>
${alert}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="login">Login</label>
<input id="login" name="login" autofocus required>
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort">
<button type="submit">Cancel</button>
</form>
</main>
</body>
</html>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 65536) {
        reject(new Error('form too large'));
        req.destroy();
      }
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function send(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(html);
}

// Grants everything the interaction's client asked for: the requested scopes, and the claims
// of a `claims` parameter if there was one.
async function grantRequested(provider, details, accountId) {
  const { params } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope ?? 'openid');
  if (params.claims) {
    const requested = JSON.parse(params.claims);
    const names = new Set([
      ...Object.keys(requested.id_token ?? {}),
      ...Object.keys(requested.userinfo ?? {}),
    ]);
    grant.addOIDCClaims([...names]);
  }
  return grant.save();
}

async function interaction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) {
    send(res, 400, '<p>This sign-in page belongs to another sign-in.</p>');
    return;
  }
  const { prompt, params } = details;

  if (action === undefined && req.method === 'GET') {
    if (prompt.name === 'consent') {
      // Only reached when a session exists already: consent is never asked for separately.
      const grantId = await grantRequested(provider, details, details.session.accountId);
      await provider.interactionFinished(req, res, { consent: { grantId } }, {
        mergeWithLastSubmission: true,
      });
      return;
    }
    send(res, 200, loginPage(uid, params.client_id));
    return;
  }

  if (action === 'login' && req.method === 'POST') {
    const form = await readForm(req);
    const login = (form.get('login') ?? '').trim();
    if (!Object.hasOwn(accounts, login)) {
      send(res, 200, loginPage(uid, params.client_id, `No account "${login}" here.`));
      return;
    }
    const accountId = accounts[login].sub;
    loginOfSubject.set(accountId, login);
    const grantId = await grantRequested(provider, details, accountId);
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  if (action === 'abort' && req.method === 'POST') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  send(res, 405, '<p>Not here.</p>');
}

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(process.env.OIDC_PORT ?? 0), HOST, resolve);
});
const issuer = `http://${HOST}:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    ...client,
  })),
  async findAccount(_ctx, accountId) {
    const login = loginOfSubject.get(accountId);
    if (login === undefined) return undefined;
    const account = accounts[login];
    return {
      accountId,
      async claims() {
        return {
          sub: account.sub,
          email: account.email,
          email_verified: account.email_verified,
          name: account.name,
        };
      },
    };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  scopes: ['openid', 'email', 'profile'],
  conformIdTokenClaims: false,
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  features: {
    devInteractions: { enabled: false },
  },
  interactions: {
    url: (_ctx, found) => `/interaction/${found.uid}`,
  },
  jwks: {
    keys: [
      signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
      signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
    ],
  },
  pkce: { required: () => true },
  responseTypes: ['code'],
  // Its tokens serve only the sign-in under test.
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    Grant: 600,
    IdToken: 600,
    Interaction: 600,
    Session: 600,
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head>
<body><h1>The test provider refused</h1><pre>${escapeHtml(JSON.stringify(out, null, 2))}</pre></body></html>`;
  },
});

const callback = provider.callback();
const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|abort))?$/;

server.on('request', (req, res) => {
  const path = new URL(req.url, issuer).pathname;
  const match = INTERACTION.exec(path);
  if (!match) {
    callback(req, res);
    return;
  }
  interaction(provider, req, res, match[1], match[2]).catch((error) => {
    const expired = error instanceof errors.SessionNotFound;
    if (!expired) console.error(error);
    if (!res.headersSent) {
      send(res, expired ? 400 : 500, `<p>${expired ? 'This sign-in has expired.' : 'Internal error.'}</p>`);
    } else {
      res.end();
    }
  });
});

function stop() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();

process.stdout.write(`ISSUER ${issuer}\n`);
