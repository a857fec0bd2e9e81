// What the scripts in e2e/ share: the roster binary they drive and free loopback ports.
import { createServer } from "node:net";
import { join, resolve } from "node:path";

const here = new URL(".", import.meta.url).pathname;

/** The binary named on the command line, else the debug build. */
export const binary = resolve(process.argv[2] ?? join(here, "../../target/debug/roster"));

/** A loopback port nobody listens on right now. */
export function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}
