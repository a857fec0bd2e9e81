// Step-up: a mutation refused with `REAUTHENTICATION_REQUIRED` can ask the viewer to confirm
// it is you (`reauthenticate`) and then run once more. The dialog that asks lives with the
// two-factor feature; actions reach it through this context (none outside the signed-in app).
import { createContext, useContext } from "react";

/** Asks the viewer for one of `methods` (`reauthenticate`'s method names) and answers whether
 * the reauthentication went through (false: cancelled). */
export type Reauthenticate = (methods: string[]) => Promise<boolean>;

export const StepUpContext = createContext<Reauthenticate | null>(null);

export function useStepUp(): Reauthenticate | null {
  return useContext(StepUpContext);
}
