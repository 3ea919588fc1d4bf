/** Small helpers for writing HTML and inline SVG as strings (everything user-supplied goes through esc). */

export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Numbers in pictures: 3 significant digits, no exponent for ordinary values. */
export function short(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(2) : String(+x.toPrecision(3));
}

/** JSON inside a <script> element: `<` escaped so no string in the data can close the element. */
export const scriptJson = (data: unknown): string => JSON.stringify(data).replace(/</g, '\\u003c');

/** A stable id fragment from any name. */
export const slug = (s: string): string => s.replace(/[^A-Za-z0-9_-]+/g, '-');
