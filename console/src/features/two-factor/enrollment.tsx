// Adding an authenticator app: the QR code of the enrolment's `otpauth://` URI (drawn in the
// page), its secret for typing by hand, and the app's first code to confirm it.
import { getFragmentData, graphql, type FragmentType } from "../../gql";
import type { ConfirmTotpEnrollmentMutation } from "../../gql/graphql";
import { useAction } from "../../app/use-action";
import { Field, Form, Outcome, Submit, fieldText, optionalText } from "../../components/form";
import { when } from "../../components/format";
import { QrCode } from "../../components/qr-code";
import { groupSecret } from "./texts";

export const ENROLLMENT = graphql(`
  fragment Enrollment on TotpEnrollment {
    enrollmentId
    secret
    otpauthUri
    expiresAt
  }
`);

const CONFIRM_ENROLLMENT = graphql(`
  mutation ConfirmTotpEnrollment($enrollmentId: ID!, $code: String!, $label: String) {
    confirmTotpEnrollment(enrollmentId: $enrollmentId, code: $code, label: $label) {
      factor {
        id
        label
      }
      recoveryCodes
    }
  }
`);

export type Confirmed = ConfirmTotpEnrollmentMutation["confirmTotpEnrollment"];

interface EnrollmentProps {
  enrollment: FragmentType<typeof ENROLLMENT>;
  onConfirmed: (result: Confirmed) => void;
  /** Start over with a new secret (this one expired). */
  onRestart: () => void;
  onCancel: () => void;
}

export function Enrollment({ enrollment: ref, onConfirmed, onRestart, onCancel }: EnrollmentProps) {
  const enrollment = getFragmentData(ENROLLMENT, ref);
  const confirm = useAction(CONFIRM_ENROLLMENT, {
    onSuccess: (data) => onConfirmed(data.confirmTotpEnrollment),
  });
  const expired = confirm.problem?.fields.enrollmentId;
  return (
    <Form
      className="panel"
      aria-label="Add an authenticator app"
      onSubmit={(form) =>
        confirm.run({
          enrollmentId: enrollment.enrollmentId,
          code: fieldText(form, "code"),
          label: optionalText(form, "label"),
        })
      }
    >
      <h3>Add an authenticator app</h3>
      <ol>
        <li>Scan this QR code with your authenticator app.</li>
        <li>Enter the 6-digit code the app then shows, before {when(enrollment.expiresAt)}.</li>
      </ol>
      <QrCode text={enrollment.otpauthUri} label="QR code for your authenticator app" />
      <p>
        Cannot scan it? Enter this key in the app by hand:{" "}
        <code className="secret">{groupSecret(enrollment.secret)}</code>
      </p>
      <Outcome of={[confirm]} />
      {expired && (
        <p className="problem">
          This setup {expired.join("; ")}.{" "}
          <button type="button" className="link" onClick={onRestart}>
            Start again
          </button>
        </p>
      )}
      <div className="grid">
        <Field
          label="Code from the app"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          autoFocus
          problem={confirm.problem}
        />
        <Field
          label="Name for this app (optional)"
          name="label"
          maxLength={100}
          hint="To tell your apps apart, such as “Phone”."
          problem={confirm.problem}
        />
      </div>
      <Submit busy={confirm.busy}>Confirm</Submit>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </Form>
  );
}
