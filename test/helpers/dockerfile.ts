/** A Dockerfile read as Docker reads it: instructions with continuation lines joined, split into stages. */

export interface Instruction {
  readonly op: string;
  readonly args: string;
}

export interface Stage {
  /** The `AS name`, or its index as text. */
  readonly name: string;
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

export function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l)!;
      return { op: m[1]!.toUpperCase(), args: m[2]!.trim() };
    });
}

export function stages(text: string): Stage[] {
  const out: { name: string; from: string; instructions: Instruction[] }[] = [];
  for (const i of instructions(text)) {
    if (i.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(i.args)!;
      out.push({ name: m[2] ?? String(out.length), from: m[1]!, instructions: [] });
    } else {
      out.at(-1)?.instructions.push(i);
    }
  }
  return out;
}

/** The exec form (`["node", "-e", "..."]`) as its argument list; undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  return JSON.parse(args) as string[];
}

export interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
}

/** `COPY [--from=stage] src... dest` (no other flags are used in docker/Dockerfile; any other one fails). */
export function copyOf(args: string): Copy {
  const parts = args.split(/\s+/);
  let from: string | undefined;
  while (parts[0]?.startsWith('--')) {
    const flag = parts.shift()!;
    const m = /^--from=(.+)$/.exec(flag);
    if (!m) throw new Error(`COPY flag ${flag} is not understood by the test`);
    from = m[1];
  }
  if (parts.length < 2) throw new Error(`COPY ${args}: needs a source and a destination`);
  return { from, sources: parts.slice(0, -1), dest: parts.at(-1)! };
}
