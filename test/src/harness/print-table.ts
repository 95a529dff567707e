/** Prints a suite's table on stdout: a header, a rule, and one line per row, columns padded to fit. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((cells) => (cells[i] ?? '').length)));
  for (const [index, cells] of table.entries()) {
    process.stdout.write(`${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ').trimEnd()}\n`);
    if (index === 0) process.stdout.write(`${widths.map((width) => '-'.repeat(width)).join('-|-')}\n`);
  }
}
