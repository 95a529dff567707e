/** Prints rows of cells as a plain-text table with a header rule. */
export function printTable(header: string[], rows: string[][]): void {
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)));
  for (const [index, cells] of table.entries()) {
    process.stdout.write(`${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')}\n`);
    if (index === 0) process.stdout.write(`${widths.map((width) => '-'.repeat(width)).join('-|-')}\n`);
  }
}
