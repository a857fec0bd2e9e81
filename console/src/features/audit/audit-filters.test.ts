// The audit log's filters: every action of the schema offered, whole days, whole ids only.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ACTIONS, NO_FILTERS, auditFilter, dayStart, idFilter } from "./audit-filters";

describe("ACTIONS", () => {
  it("offers every action the schema defines", () => {
    const schema = readFileSync(new URL("../../../../schema.graphql", import.meta.url), "utf8");
    const body = /enum AuditAction \{([^}]*)\}/.exec(schema)?.[1] ?? "";
    const defined = body
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => /^[A-Z_]+$/.test(line));
    expect([...ACTIONS].sort()).toEqual(defined.sort());
  });
});

describe("auditFilter", () => {
  it("sends no filter for blank controls", () => {
    expect(auditFilter(NO_FILTERS)).toEqual({
      actions: undefined,
      actorId: undefined,
      userId: undefined,
      since: undefined,
      until: undefined,
    });
  });

  it("includes the whole of the until day", () => {
    const filter = auditFilter({ ...NO_FILTERS, since: "2026-03-01", until: "2026-03-01" });
    expect(filter.since).toBe(new Date(2026, 2, 1).toISOString());
    expect(filter.until).toBe(new Date(2026, 2, 2).toISOString());
  });

  it("filters by an id only once it is whole", () => {
    const id = "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b";
    expect(idFilter(id.slice(0, 20))).toBeUndefined();
    expect(idFilter(` ${id} `)).toBe(id);
    expect(dayStart("")).toBeUndefined();
  });
});
