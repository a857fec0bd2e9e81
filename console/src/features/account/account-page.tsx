// The account holder's own page: profile, password, sign-in methods (identities at providers),
// passkeys, two-factor authentication, sessions, recent activity, deletion.
import { useState } from "react";
import { useSearch } from "wouter";
import { useViewer } from "../../app/viewer";
import { SignInMethods } from "../identity/sign-in-methods";
import { Passkeys } from "../passkeys/passkeys";
import { TwoFactor, useTwoFactor } from "../two-factor/two-factor";
import { Notice } from "../../components/form";
import { Sessions } from "../sessions/sessions";
import { Activity } from "./activity";
import { ChangePassword } from "./change-password";
import { DeleteAccount } from "./delete-account";
import { Profile } from "./profile";

export function AccountPage() {
  const { me, refetch } = useViewer();
  const reset = new URLSearchParams(useSearch()).has("reset");
  // A password change, and turning two-factor authentication on, end the other sessions; a
  // reauthentication changes this one's proof: each lists the sessions anew.
  const [sessionChanges, setSessionChanges] = useState(0);
  // A passkey added or removed changes two-factor authentication (on or off, recovery codes).
  const twoFactor = useTwoFactor();
  if (!me) return null;
  return (
    <>
      <h1>Your account</h1>
      {reset && <Notice>Your new password is set, and every other device was signed out.</Notice>}
      <Profile me={me} />
      {me.hasPassword && <ChangePassword onChanged={() => setSessionChanges((n) => n + 1)} />}
      <SignInMethods onChanged={() => setSessionChanges((n) => n + 1)} />
      <Passkeys
        onChanged={() => {
          setSessionChanges((n) => n + 1);
          twoFactor.reload();
          refetch();
        }}
      />
      <TwoFactor
        twoFactor={twoFactor}
        onChanged={() => {
          setSessionChanges((n) => n + 1);
          refetch();
        }}
      />
      <Sessions key={`sessions-${sessionChanges}`} />
      <Activity />
      <DeleteAccount hasPassword={me.hasPassword} />
    </>
  );
}
