import { describe, expect, it } from "vitest";
import { refresh } from "./refresh";
import { REFRESH_KEY, Session } from "./session";

class MemoryStorage {
  items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

function answering(body: unknown, sent: unknown[] = []): typeof fetch {
  return (async (_url: string, init: RequestInit) => {
    sent.push(JSON.parse(String(init.body)));
    return new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } });
  }) as unknown as typeof fetch;
}

describe("refresh", () => {
  it("sends the kept refresh token and keeps the new pair", async () => {
    const storage = new MemoryStorage();
    storage.setItem(REFRESH_KEY, "old");
    const session = new Session(storage);
    const sent: { variables: { refreshToken: string } }[] = [];
    await refresh(
      session,
      "/graphql",
      answering(
        { data: { refreshToken: { accessToken: "a2", refreshToken: "r2", expiresIn: 900 } } },
        sent,
      ),
    );
    expect(sent[0].variables.refreshToken).toBe("old");
    expect(session.accessToken).toBe("a2");
    expect(storage.getItem(REFRESH_KEY)).toBe("r2");
  });

  it("signs out when the refresh token is refused", async () => {
    const storage = new MemoryStorage();
    storage.setItem(REFRESH_KEY, "reused");
    const session = new Session(storage);
    await refresh(
      session,
      "/graphql",
      answering({ data: null, errors: [{ extensions: { code: "UNAUTHENTICATED" } }] }),
    );
    expect(session.signedIn).toBe(false);
  });

  it("keeps the session when the server cannot be reached", async () => {
    const storage = new MemoryStorage();
    storage.setItem(REFRESH_KEY, "kept");
    const session = new Session(storage);
    const offline = (async () => {
      throw new TypeError("network");
    }) as unknown as typeof fetch;
    await refresh(session, "/graphql", offline);
    expect(storage.getItem(REFRESH_KEY)).toBe("kept");
  });
});
