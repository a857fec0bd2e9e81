// How values from the API read for people.

/** An API DateTime, in the viewer's locale and time zone. */
export function when(value: string | null | undefined): string {
  if (!value) return "never";
  return new Date(value).toLocaleString();
}

/** "1 user", "3 users". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
