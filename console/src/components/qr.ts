// A QR code as an SVG path, drawn in the page (no image service, no other host): the modules
// come from `uqr`, bundled with the console.
import { encode } from "uqr";

/** The modules of `text` as a QR code, quiet zone included (`true`: dark). */
export function qrModules(text: string): boolean[][] {
  // M: a phone's camera copes with some glare or a smudged screen.
  return encode(text, { ecc: "M", border: 4 }).data;
}

/** One SVG path of unit squares, one per dark module, in a viewBox as wide as the matrix. */
export function qrPath(modules: boolean[][]): string {
  const squares: string[] = [];
  modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) squares.push(`M${x} ${y}h1v1h-1z`);
    });
  });
  return squares.join("");
}
