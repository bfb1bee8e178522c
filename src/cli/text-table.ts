/**
 * Aligned columns for terminal tables: a header row, then rows; columns whose header is
 * listed in `right` are right-aligned (numbers). Trailing spaces are trimmed.
 */
export function formatTable (header: string[], rows: string[][], right: readonly string[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells
    .map((c, i) => right.includes(header[i]) ? c.padStart(widths[i]) : c.padEnd(widths[i]))
    .join('  ')
    .trimEnd() + '\n'
  return line(header) + rows.map(line).join('')
}
