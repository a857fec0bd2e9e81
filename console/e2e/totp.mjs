// An authenticator app for the browser tests: codes computed here with the `otpauth` package
// from a factor's `otpauth://` URI (never asked of the server).
//
// The server accepts the codes of the previous, current and next 30 s step, each app only a
// step later than the last it accepted, so `code()` picks the earliest such step, and waits
// for the next step only when there is none.
import * as OTPAuth from "otpauth";

const STEP_MS = 30_000;

const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));

/** An authenticator app holding one factor's secret, remembering the last step it used. */
export class Authenticator {
  constructor(uri) {
    this.totp = OTPAuth.URI.parse(uri);
    this.last = -Infinity;
  }

  /** A code the server takes now: of a step it accepts, later than the last one used. */
  async code() {
    for (;;) {
      const now = Date.now();
      const step = Math.floor(now / STEP_MS);
      // The previous step only while it stays "previous" long enough for the request.
      const earliest = now % STEP_MS < STEP_MS - 5_000 ? step - 1 : step;
      const free = Math.max(earliest, this.last + 1);
      if (free <= step + 1) {
        this.last = free;
        return this.totp.generate({ timestamp: free * STEP_MS });
      }
      await sleep(STEP_MS - (now % STEP_MS) + 100);
    }
  }

  /** Six digits the server refuses: no code of any step it could take. */
  wrongCode() {
    const step = Math.floor(Date.now() / STEP_MS);
    const near = new Set(
      [-2, -1, 0, 1, 2].map((d) => this.totp.generate({ timestamp: (step + d) * STEP_MS })),
    );
    let code = 0;
    while (near.has(String(code).padStart(6, "0"))) code++;
    return String(code).padStart(6, "0");
  }
}
