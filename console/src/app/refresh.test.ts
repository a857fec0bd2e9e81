// Refreshing against a fake server: the new pair kept, a refused token signs out, an
// unreachable server changes nothing.
import { describe, expect, it } from "vitest";
import { refresh } from "./refresh";
import { MemoryStorage } from "./memory-storage";
import { REFRESH_KEY, Session } from "./session";

function answering(body: unknown, sent: unknown[] = []): typeof fetch {
  return ((_url: string, init: RequestInit) => {
    sent.push(JSON.parse(init.body as string));
    return Promise.resolve(
      new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } }),
    );
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
    const offline = (() => Promise.reject(new TypeError("network"))) as unknown as typeof fetch;
    await refresh(session, "/graphql", offline);
    expect(storage.getItem(REFRESH_KEY)).toBe("kept");
  });
});
