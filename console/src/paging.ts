// Which page numbers a pager shows.

/** Up to 7 page numbers around `current` (0-based), always with the first and the last. */
export function pageWindow(current: number, pages: number): number[] {
  const start = Math.max(0, Math.min(current - 3, pages - 7));
  const window = Array.from({ length: Math.min(7, pages) }, (_, i) => start + i);
  if (window[0] !== 0) window[0] = 0;
  if (window[window.length - 1] !== pages - 1) window[window.length - 1] = pages - 1;
  return window;
}
