/**
 * Go's text/tabwriter, as Micro Integrator's CLI sets it up (`tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)`):
 * tab-terminated cells are padded with spaces to the widest cell of their column block plus 3, and to at
 * least 20; the last cell of a line is not a column and is written as is. A column block is a run of
 * consecutive lines that have a cell in that column, so a line without tabs starts new blocks. Kept exact
 * so that scripts reading `mi get ...` output by column positions read ours the same way.
 */
const MIN_WIDTH = 20;
const PADDING = 3;

type Line = readonly string[];

/** Formats text whose cells are separated by '\t', line by line, as Go's tabwriter flushes it. */
export function goTabwriter(text: string): string {
  const lines: Line[] = text.split('\n').map((l) => l.split('\t'));
  const out: string[] = [];
  const widths: number[] = [];
  const width = (s: string): number => [...s].length;

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const line = lines[i]!;
      let s = '';
      line.forEach((cell, j) => {
        s += cell;
        if (j < widths.length) s += ' '.repeat(Math.max(0, widths[j]! - width(cell)));
      });
      out.push(s);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      // a cell in this column: the lines before it are printed with the widths known so far
      writeLines(line0, i);
      line0 = i;
      let w = MIN_WIDTH;
      for (; i < line1; i++) {
        const line = lines[i]!;
        if (column >= line.length - 1) break;
        w = Math.max(w, width(line[column]!) + PADDING);
      }
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i;
      // the loop's i++ must not skip the line that ended the block
      i--;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}
