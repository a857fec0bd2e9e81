// Who is signed in, as far as this browser knows: the access token in memory only, the refresh
// token in localStorage (so a reload stays signed in; see the README on the XSS trade-off and
// the CSP that bounds it). Pure state with listeners: no React, no network, so it is
// unit-tested on its own.

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** Access-token lifetime in seconds, as the server said. */
  expiresIn: number;
}

/** Where the refresh token is kept. */
export const REFRESH_KEY = "roster.refreshToken";

/** Refresh this long before the access token expires (or at 80% of a short lifetime). */
const MARGIN_MS = 30_000;

export interface Storage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class Session {
  private access: string | null = null;
  private expiresAt = 0;
  private listeners = new Set<() => void>();

  constructor(
    private readonly storage: Storage,
    private readonly now: () => number = Date.now,
  ) {}

  get accessToken(): string | null {
    return this.access;
  }

  get refreshToken(): string | null {
    return this.storage.getItem(REFRESH_KEY);
  }

  /** Signed in, or able to become so by refreshing. */
  get signedIn(): boolean {
    return this.access !== null || this.refreshToken !== null;
  }

  /** A new pair from `login`, `register`, `refreshToken`, `changePassword` or `resetPassword`. */
  start(tokens: Tokens): void {
    this.access = tokens.accessToken;
    const lifetimeMs = tokens.expiresIn * 1000;
    this.expiresAt = this.now() + lifetimeMs - Math.min(MARGIN_MS, lifetimeMs * 0.2);
    this.storage.setItem(REFRESH_KEY, tokens.refreshToken);
    this.emit();
  }

  /** Whether the access token is missing or about to expire while a refresh token is kept. */
  needsRefresh(): boolean {
    if (this.refreshToken === null) return false;
    return this.access === null || this.now() >= this.expiresAt;
  }

  /** Milliseconds until a refresh is due (0 when it is). */
  refreshDueIn(): number {
    return Math.max(0, this.expiresAt - this.now());
  }

  /** Forgets the access token only (another tab rotated the refresh token). */
  dropAccess(): void {
    this.access = null;
    this.emit();
  }

  /** Signs out of this browser. */
  end(): void {
    this.access = null;
    this.expiresAt = 0;
    this.storage.removeItem(REFRESH_KEY);
    this.emit();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

/** Operations that answer UNAUTHENTICATED for wrong credentials, not for a stale token. */
export const CREDENTIAL_OPERATIONS = new Set([
  "Login",
  "Register",
  "Refresh",
  "ResetPassword",
  "VerifyEmail",
  "RequestPasswordReset",
]);
