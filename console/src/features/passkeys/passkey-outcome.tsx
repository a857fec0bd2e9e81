// What the latest of a passkey's actions said (starting a ceremony, the browser's prompt,
// finishing it): a closed prompt calmly, as a notice; any other problem as a problem; or the
// notice that it worked.
import type { Problem } from "../../app/errors";
import { latest, type ActionOutcome } from "../../app/use-action";
import { Notice, ProblemNote } from "../../components/form";
import { isCalm } from "./problems";

interface PasskeyOutcomeProps {
  of: ActionOutcome[];
  /** How the page says a problem (`answerProblem`, `signInProblem`...). */
  says?: (problem: Problem | null) => Problem | null;
}

export function PasskeyOutcome({ of: actions, says = (problem) => problem }: PasskeyOutcomeProps) {
  const last = latest(actions);
  if (last.at === 0) return null;
  return (
    <>
      <PasskeyNote problem={says(last.problem)} />
      {last.notice && <Notice>{last.notice}</Notice>}
    </>
  );
}

/** One passkey problem: calm when the person closed the prompt. */
export function PasskeyNote({ problem }: { problem: Problem | null }) {
  if (problem && isCalm(problem)) return <Notice>{problem.message}</Notice>;
  return <ProblemNote problem={problem} />;
}
