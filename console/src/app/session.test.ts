// The session's bookkeeping: where each token is kept, when a refresh is due, and the
// generation that tells the app a new identity arrived.
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "./memory-storage";
import { REFRESH_KEY, Session } from "./session";

describe("Session", () => {
  it("keeps the access token in memory and only the refresh token in storage", () => {
    const storage = new MemoryStorage();
    const session = new Session(storage, () => 0);
    session.start({ accessToken: "access", refreshToken: "refresh", expiresIn: 900 });
    expect(session.accessToken).toBe("access");
    expect([...storage.items.entries()]).toEqual([[REFRESH_KEY, "refresh"]]);
  });

  it("asks for a refresh 30 seconds before expiry, or at 80% of a short lifetime", () => {
    let now = 0;
    const session = new Session(new MemoryStorage(), () => now);
    session.start({ accessToken: "a", refreshToken: "r", expiresIn: 900 });
    now = 869_000;
    expect(session.needsRefresh()).toBe(false);
    now = 870_000;
    expect(session.needsRefresh()).toBe(true);
    now = 0;
    session.start({ accessToken: "a", refreshToken: "r", expiresIn: 10 });
    now = 7_999;
    expect(session.needsRefresh()).toBe(false);
    now = 8_000;
    expect(session.needsRefresh()).toBe(true);
  });

  it("after a reload has no access token but can refresh", () => {
    const storage = new MemoryStorage();
    storage.setItem(REFRESH_KEY, "kept");
    const session = new Session(storage);
    expect(session.accessToken).toBeNull();
    expect(session.signedIn).toBe(true);
    expect(session.needsRefresh()).toBe(true);
  });

  it("counts identities: signing in or out starts a new generation, a refresh does not", () => {
    const session = new Session(new MemoryStorage());
    const tokens = { accessToken: "a", refreshToken: "r", expiresIn: 900 };
    session.begin(tokens);
    const signedIn = session.generation;
    session.start(tokens);
    expect(session.generation).toBe(signedIn);
    session.end();
    expect(session.generation).toBe(signedIn + 1);
    session.identityChanged();
    expect(session.generation).toBe(signedIn + 2);
    expect(session.hasAccess).toBe(false);
  });

  it("signs out completely and tells its listeners", () => {
    const storage = new MemoryStorage();
    const session = new Session(storage);
    let heard = 0;
    session.subscribe(() => heard++);
    session.start({ accessToken: "a", refreshToken: "r", expiresIn: 900 });
    session.end();
    expect(heard).toBe(2);
    expect(session.signedIn).toBe(false);
    expect(session.needsRefresh()).toBe(false);
    expect(storage.getItem(REFRESH_KEY)).toBeNull();
  });
});
