// The one way a page runs a mutation: whether it is under way, the problem its answer brought
// (decoded by `problemOf`, the one place that reads `extensions`) or the notice that says it
// worked. A refusal for want of a recent sign-in (`REAUTHENTICATION_REQUIRED`) asks the viewer
// to confirm it is you and, once confirmed, runs the mutation once more.
import { useState } from "react";
import { useMutation, type AnyVariables, type TypedDocumentNode } from "urql";
import { problemOf, reauthenticationMethods, type Problem } from "./errors";
import { useStepUp } from "./step-up";

/** What an action last did, as a form shows it. */
export interface ActionOutcome {
  busy: boolean;
  problem: Problem | null;
  notice: string | null;
  /** Increases each time the action starts, so a page showing one outcome for several
   * actions shows the latest (0: never run). */
  at: number;
}

export interface Action<Data, Variables extends AnyVariables> extends ActionOutcome {
  /** Runs the mutation; answers its data, or null when it failed (the problem is kept). */
  run(variables: Variables, success?: string | ((data: Data) => string)): Promise<Data | null>;
  /** Shows a problem the page found before asking the API (two passwords that differ). */
  fail(problem: Problem): void;
}

let runs = 0;

/** The outcome of whichever of `actions` started last. */
export function latest(actions: ActionOutcome[]): ActionOutcome {
  return actions.reduce((a, b) => (b.at > a.at ? b : a));
}

export function useAction<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  { onSuccess }: { onSuccess?: (data: Data) => void } = {},
): Action<Data, Variables> {
  const [state, execute] = useMutation(document);
  const stepUp = useStepUp();
  const [outcome, setOutcome] = useState({
    problem: null as Problem | null,
    notice: null as string | null,
    at: 0,
  });
  async function run(variables: Variables, success?: string | ((data: Data) => string)) {
    const at = ++runs;
    // What it said last stays until the answer, so the page does not flicker.
    setOutcome((last) => ({ ...last, at }));
    let result = await execute(variables);
    const methods = reauthenticationMethods(problemOf(result.error));
    if (methods && stepUp && (await stepUp(methods))) result = await execute(variables);
    const data = result.error ? null : (result.data ?? null);
    const notice = data && success ? (typeof success === "string" ? success : success(data)) : null;
    setOutcome({ problem: problemOf(result.error), notice, at });
    if (data) onSuccess?.(data);
    return data;
  }
  function fail(problem: Problem) {
    setOutcome({ problem, notice: null, at: ++runs });
  }
  return { busy: state.fetching, ...outcome, run, fail };
}
