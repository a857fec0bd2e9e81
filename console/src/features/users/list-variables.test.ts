// The user list's request: blank filters left out, pages by number and by cursor.
import { describe, expect, it } from "vitest";
import { FIRST_PAGE, NO_FILTERS, listVariables } from "./list-variables";

describe("listVariables", () => {
  it("leaves out the filters that are not set", () => {
    expect(listVariables(NO_FILTERS, FIRST_PAGE)).toEqual({
      first: 10,
      offset: 0,
      filter: {
        search: undefined,
        role: undefined,
        isActive: undefined,
        mfaEnabled: undefined,
        groupId: undefined,
        deleted: "EXCLUDE",
      },
      orderBy: { field: "CREATED_AT", direction: "DESC" },
    });
  });

  it("reads the controls' text as the API's values", () => {
    const filters = {
      ...NO_FILTERS,
      search: "ada",
      active: "false",
      mfa: "true",
      order: "EMAIL ASC",
    } as const;
    const variables = listVariables(filters, FIRST_PAGE);
    expect(variables.filter).toMatchObject({ search: "ada", isActive: false, mfaEnabled: true });
    expect(variables.orderBy).toEqual({ field: "EMAIL", direction: "ASC" });
  });

  it("pages by number, and by cursor either way", () => {
    expect(listVariables(NO_FILTERS, { kind: "offset", page: 3 })).toMatchObject({
      first: 10,
      offset: 30,
    });
    expect(listVariables(NO_FILTERS, { kind: "after", page: 4, cursor: "c" })).toMatchObject({
      first: 10,
      after: "c",
    });
    expect(listVariables(NO_FILTERS, { kind: "before", page: 2, cursor: "c" })).toMatchObject({
      last: 10,
      before: "c",
    });
  });
});
