// The frontend's half of PKCE (RFC 7636): a random code verifier that stays in this tab, and
// its S256 challenge, which `startOAuth` takes. Only the challenge leaves before the provider
// answers; `completeOAuth` then needs the verifier, so a one-time code read from the address
// bar or a log is worth nothing to anyone else.

/** 48 random bytes: 64 base64url characters (RFC 7636 allows 43 to 128). */
const VERIFIER_BYTES = 48;

/** Bytes as base64url without padding (RFC 4648 §5). */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** A new code verifier from the browser's cryptographic random numbers. */
export function codeVerifier(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(VERIFIER_BYTES)));
}

/** The S256 challenge of `verifier`: BASE64URL(SHA-256(ASCII(verifier))). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** Whether this page can hash (`crypto.subtle` exists only in a secure context: https, or
 * http on this machine). */
export function canHash(): boolean {
  return typeof crypto !== "undefined" && crypto.subtle !== undefined;
}
