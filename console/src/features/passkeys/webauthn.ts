// The browser's half of a passkey ceremony: the server's options (`{ publicKey }` in WebAuthn's
// JSON form) read by `PublicKeyCredential.parseCreationOptionsFromJSON` or
// `parseRequestOptionsFromJSON`, handed to `navigator.credentials`, and the credential the
// device made sent back as its `toJSON()`. A page outside the server's RP ID is told where
// passkeys work before the browser is asked; a refusal comes back as a `Problem`, never thrown.
import { useState } from "react";
import type { Problem } from "../../app/errors";
import { refusalProblem, rpIdOf, unsupported, wrongAddress } from "./problems";

/** The device's answer, for `credential: JSON` arguments; or why there is none. */
export type Answer = { credential: unknown; problem?: undefined } | { problem: Problem };

/** The browser's prompt for a new passkey (`create`, for the options
 * `startPasskeyRegistration` answered) or for a passkey's signature (`get`, for a sign-in,
 * second-factor or reauthentication ceremony), with whether it is open (its button waits: a
 * second request would cancel the first). */
export function usePasskeyPrompt() {
  const [open, setOpen] = useState(false);
  async function prompt(kind: "create" | "get", options: unknown) {
    setOpen(true);
    try {
      return await ask(kind, options);
    } finally {
      setOpen(false);
    }
  }
  return {
    open,
    create: (options: unknown) => prompt("create", options),
    get: (options: unknown) => prompt("get", options),
  };
}

async function ask(kind: "create" | "get", options: unknown): Promise<Answer> {
  const creating = kind === "create";
  if (!supported(kind)) return { problem: unsupported() };
  const rpId = rpIdOf(options);
  const elsewhere = rpId === null ? null : wrongAddress(window.location, rpId);
  if (elsewhere) return { problem: elsewhere };
  try {
    const credential = creating ? await create(options) : await get(options);
    if (!(credential instanceof PublicKeyCredential)) {
      return { problem: refusalProblem(null, creating) };
    }
    return { credential: credential.toJSON() as unknown };
  } catch (error) {
    return { problem: refusalProblem(error, creating) };
  }
}

/** Whether this browser has passkeys and reads the options of a `kind` ceremony. */
function supported(kind: "create" | "get"): boolean {
  if (typeof PublicKeyCredential === "undefined" || !("credentials" in navigator)) return false;
  return kind === "create"
    ? typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
    : typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";
}

function create(options: unknown) {
  if (!isCeremony<PublicKeyCredentialCreationOptionsJSON>(options)) {
    throw new TypeError("no publicKey in the options");
  }
  return navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options.publicKey),
  });
}

function get(options: unknown) {
  if (!isCeremony<PublicKeyCredentialRequestOptionsJSON>(options)) {
    throw new TypeError("no publicKey in the options");
  }
  return navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey),
  });
}

/** Whether the server's options are `{ publicKey }` with an object there. Its members are the
 * browser's parser's to check, which throws a `TypeError` for wrong ones; options without one
 * fail the same way. */
function isCeremony<Json extends object>(options: unknown): options is { publicKey: Json } {
  const publicKey = (options as { publicKey?: unknown } | null)?.publicKey;
  return typeof publicKey === "object" && publicKey !== null;
}
