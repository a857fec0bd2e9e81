// Which page numbers the pager offers.
import { describe, expect, it } from "vitest";
import { pageWindow } from "./pager";

describe("pageWindow", () => {
  it("shows every page when there are few", () => {
    expect(pageWindow(0, 1)).toEqual([0]);
    expect(pageWindow(2, 5)).toEqual([0, 1, 2, 3, 4]);
  });

  it("keeps the first and last pages around the current one", () => {
    expect(pageWindow(0, 20)).toEqual([0, 1, 2, 3, 4, 5, 19]);
    expect(pageWindow(10, 20)).toEqual([0, 8, 9, 10, 11, 12, 19]);
    expect(pageWindow(19, 20)).toEqual([0, 14, 15, 16, 17, 18, 19]);
  });
});
