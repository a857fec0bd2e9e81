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

/** A new passkey for the options `startPasskeyRegistration` answered. */
export function createPasskey(options: unknown): Promise<Answer> {
  return ask("create", options);
}

/** A passkey's signature for the options of a sign-in, second-factor or reauthentication
 * ceremony. */
export function getPasskey(options: unknown): Promise<Answer> {
  return ask("get", options);
}

/** `createPasskey` and `getPasskey`, with whether the browser's prompt is open (its button
 * waits: a second request would cancel the first). */
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
  if (
    typeof PublicKeyCredential === "undefined" ||
    typeof PublicKeyCredential.parseCreationOptionsFromJSON !== "function" ||
    !("credentials" in navigator)
  ) {
    return { problem: unsupported() };
  }
  const rpId = rpIdOf(options);
  const elsewhere = rpId === null ? null : wrongAddress(window.location, rpId);
  if (elsewhere) return { problem: elsewhere };
  const creating = kind === "create";
  try {
    const json = (options as { publicKey: never }).publicKey;
    const credential = creating
      ? await navigator.credentials.create({
          publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(json),
        })
      : await navigator.credentials.get({
          publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(json),
        });
    if (!(credential instanceof PublicKeyCredential)) {
      return { problem: refusalProblem(null, creating) };
    }
    return { credential: credential.toJSON() as unknown };
  } catch (error) {
    return { problem: refusalProblem(error, creating) };
  }
}
