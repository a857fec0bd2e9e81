// Where a visitor goes after signing in: back to the page that sent them to sign in, if it is
// one of the console's own (never another site: `next` comes from the address bar).

export function returnTo(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/account";
}
