// Two-factor authentication on a page of its own: where the console sends an account that
// `--require-mfa` covers until it holds a second factor (the API serves it little else): an
// authenticator app or a passkey.
import { Link } from "wouter";
import { useViewer } from "../../app/viewer";
import { Passkeys } from "../passkeys/passkeys";
import { TwoFactor, useTwoFactor } from "./two-factor";

export function TwoFactorPage() {
  const { me, enrollmentRequired, refetch } = useViewer();
  // A passkey added or removed turns two-factor authentication on or off.
  const twoFactor = useTwoFactor();
  return (
    <>
      <h1>Two-factor authentication</h1>
      {enrollmentRequired &&
        (me?.mfaEnabled ? (
          <p className="notice" role="status">
            Your account is set up. <Link href="/account">Continue to your account</Link>
          </p>
        ) : (
          <p className="problem" role="alert">
            Your account must use two-factor authentication. Add an authenticator app or a passkey
            to go on: until then, this is the only page the console can show you.
          </p>
        ))}
      <TwoFactor twoFactor={twoFactor} heading={false} onChanged={refetch} />
      <Passkeys
        onChanged={() => {
          twoFactor.reload();
          refetch();
        }}
      />
      {!enrollmentRequired && (
        <p>
          <Link href="/account">Back to your account</Link>
        </p>
      )}
    </>
  );
}
