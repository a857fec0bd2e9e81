// The account holder's own page: profile, password, sessions, recent activity, deletion.
import { useState } from "react";
import { useSearch } from "wouter";
import { useViewer } from "../../app/viewer";
import { Notice } from "../../components/form";
import { Sessions } from "../sessions/sessions";
import { Activity } from "./activity";
import { ChangePassword } from "./change-password";
import { DeleteAccount } from "./delete-account";
import { Profile } from "./profile";

export function AccountPage() {
  const { me } = useViewer();
  const reset = new URLSearchParams(useSearch()).has("reset");
  const [passwordChanges, setPasswordChanges] = useState(0);
  if (!me) return null;
  return (
    <>
      <h1>Your account</h1>
      {reset && <Notice>Your new password is set, and every other device was signed out.</Notice>}
      <Profile me={me} />
      <ChangePassword onChanged={() => setPasswordChanges((n) => n + 1)} />
      {/* A password change ends the other sessions: list them anew. */}
      <Sessions key={passwordChanges} />
      <Activity />
      <DeleteAccount />
    </>
  );
}
