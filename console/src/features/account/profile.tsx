// The viewer's profile, and the link that confirms its email address. A new address is a
// credential change: the API asks for the current password with it, or, for an account with a
// second factor, to confirm it is you with that factor (the dialog `useAction` opens).
import { useState } from "react";
import { graphql } from "../../gql";
import { useAction } from "../../app/use-action";
import { useViewer, type Me } from "../../app/viewer";
import { Form, Outcome, Submit, fieldText, PasswordField } from "../../components/form";
import { ProfileFields, profileInput, profileKey } from "../../components/profile-fields";

const UPDATE_PROFILE = graphql(`
  mutation UpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      ...Viewer
    }
  }
`);

const SEND_VERIFICATION = graphql(`
  mutation SendVerificationEmail {
    sendVerificationEmail
  }
`);

export function Profile({ me }: { me: Me }) {
  const { refetch } = useViewer();
  const update = useAction(UPDATE_PROFILE, { onSuccess: refetch });
  const [emailDraft, setEmailDraft] = useState(me.email);
  const emailChanges = emailDraft.trim().toLowerCase() !== me.email;
  // The password alone is not proof enough for an account with a second factor; an account
  // without one proves itself by a recent sign-in (or is asked to confirm it is you).
  const askPassword = emailChanges && !me.mfaEnabled && me.hasPassword;
  async function submit(form: HTMLFormElement) {
    const input = profileInput(form);
    if (askPassword) input.currentPassword = fieldText(form, "currentPassword");
    await update.run({ input }, "Saved.");
  }
  return (
    <section aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      {!me.emailVerified && <Unconfirmed />}
      <Form onSubmit={submit} key={profileKey(me)}>
        <Outcome of={[update]} />
        <div className="grid">
          <ProfileFields
            profile={me}
            problem={update.problem}
            own
            email={{
              onChange: (event) => setEmailDraft(event.currentTarget.value),
              hint:
                emailChanges && me.mfaEnabled
                  ? "Saving a new address asks you to confirm it is you with your second factor."
                  : undefined,
            }}
          />
          {askPassword && (
            <PasswordField
              label="Current password"
              name="currentPassword"
              hint="Needed to change your email address."
              problem={update.problem}
            />
          )}
        </div>
        <Submit busy={update.busy}>Save profile</Submit>
      </Form>
    </section>
  );
}

/** The address is not confirmed yet: a button that mails the link again. */
function Unconfirmed() {
  const send = useAction(SEND_VERIFICATION);
  const said = send.problem?.message ?? send.notice;
  return (
    <p className="notice">
      Your email address is not confirmed yet.{" "}
      <button
        type="button"
        className="link"
        onClick={() =>
          void send.run({}, (data) =>
            data.sendVerificationEmail
              ? "A new link is on its way."
              : "Your address is already confirmed.",
          )
        }
        disabled={send.busy}
      >
        Send the link again
      </button>
      {said && <span role="status"> {said}</span>}
    </p>
  );
}
