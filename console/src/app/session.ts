// Who is signed in, as far as this browser knows: the access token in memory only, the refresh
// token in localStorage (so a reload stays signed in; see docs/console.md on the XSS trade-off and
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
/** Changes whenever someone signs in or out in any tab, so every tab starts afresh. */
export const IDENTITY_KEY = "roster.identity";

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
  private currentGeneration = 0;
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

  /**
   * Who is signed in changed (or may have): a counter the app keys its client and pages on,
   * so nothing one account loaded is shown to the next.
   */
  get generation(): number {
    return this.currentGeneration;
  }

  /** Whether an access token is at hand (false after a reload, until the first refresh). */
  get hasAccess(): boolean {
    return this.access !== null;
  }

  /** Signs in: a pair from `login`, `register` or `resetPassword`, for a new identity. */
  begin(tokens: Tokens): void {
    this.currentGeneration++;
    this.storage.setItem(IDENTITY_KEY, `${this.now()}-${Math.random()}`);
    this.start(tokens);
  }

  /** A new pair for the same identity: from `refreshToken` or `changePassword`. */
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

  /** Another tab signed in or out: forget this tab's access token and start afresh. */
  identityChanged(): void {
    this.access = null;
    this.expiresAt = 0;
    this.currentGeneration++;
    this.emit();
  }

  /** Signs out of this browser. */
  end(): void {
    this.access = null;
    this.expiresAt = 0;
    this.currentGeneration++;
    this.storage.removeItem(REFRESH_KEY);
    this.storage.setItem(IDENTITY_KEY, `${this.now()}-${Math.random()}`);
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
