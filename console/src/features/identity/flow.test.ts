// The flow a tab keeps while the browser is at the provider: read once, and only as written.
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../../app/memory-storage";
import { FLOW_KEY, keepFlow, takeFlow } from "./flow";

describe("takeFlow", () => {
  it("answers the flow kept, once", () => {
    const storage = new MemoryStorage();
    const flow = {
      codeVerifier: "v".repeat(64),
      intent: "LINK" as const,
      provider: "GitHub",
      next: "/account",
    };
    keepFlow(storage, flow);
    expect(takeFlow(storage)).toEqual(flow);
    expect(takeFlow(storage)).toBeNull();
    expect(storage.getItem(FLOW_KEY)).toBeNull();
  });

  it("ignores what this console did not write", () => {
    const storage = new MemoryStorage();
    storage.setItem(FLOW_KEY, "not json");
    expect(takeFlow(storage)).toBeNull();
    storage.setItem(FLOW_KEY, JSON.stringify({ codeVerifier: "v", intent: "OTHER" }));
    expect(takeFlow(storage)).toBeNull();
  });
});
