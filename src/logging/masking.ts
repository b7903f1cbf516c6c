/**
 * %mm masking from [masking_pattern.properties] in deployment.toml: each "NAME" = "regex" replaces every
 * whole match with ***** (or NAME.replacer), or, with NAME.replace_pattern, replaces that pattern inside
 * each match. Patterns are compiled once; a bad one fails start naming its key.
 */
export interface MaskRule {
  name: string;
  regex: RegExp;
  replacePattern?: RegExp;
  replacer: string;
}

export class MaskingConfigError extends Error {}

/** Java regex syntax that JavaScript lacks or spells differently, rewritten where it is safe. */
function javaToJs(src: string): string {
  return src.replace(/\\A/g, '^').replace(/\\Z|\\z/g, '$').replace(/\(\?<([A-Za-z][A-Za-z0-9]*)>/g, '(?<$1>');
}

function compile(src: string, key: string): RegExp {
  try {
    return new RegExp(javaToJs(src), 'g');
  } catch (err) {
    throw new MaskingConfigError(`[masking_pattern.properties] "${key}": invalid regular expression: ${(err as Error).message}`);
  }
}

export function compileMaskRules(table: Record<string, unknown> | undefined): MaskRule[] {
  if (!table) return [];
  const rules: MaskRule[] = [];
  for (const [key, value] of Object.entries(table)) {
    if (key.endsWith('.replace_pattern') || key.endsWith('.replacer')) continue;
    if (typeof value !== 'string') throw new MaskingConfigError(`[masking_pattern.properties] "${key}" must be a string regular expression`);
    const rp = table[`${key}.replace_pattern`];
    const rep = table[`${key}.replacer`];
    if (rp !== undefined && typeof rp !== 'string') throw new MaskingConfigError(`[masking_pattern.properties] "${key}.replace_pattern" must be a string`);
    if (rep !== undefined && typeof rep !== 'string') throw new MaskingConfigError(`[masking_pattern.properties] "${key}.replacer" must be a string`);
    rules.push({ name: key, regex: compile(value, key), replacePattern: rp ? compile(rp, `${key}.replace_pattern`) : undefined, replacer: (rep as string | undefined) ?? '*****' });
  }
  for (const key of Object.keys(table)) {
    const base = key.replace(/\.(replace_pattern|replacer)$/, '');
    if (base !== key && !(base in table)) throw new MaskingConfigError(`[masking_pattern.properties] "${key}" has no pattern "${base}"`);
  }
  return rules;
}

export function maskWith(rules: readonly MaskRule[]): (s: string) => string {
  if (!rules.length) return (s) => s;
  return (s) => {
    let out = s;
    for (const r of rules) {
      r.regex.lastIndex = 0;
      out = r.replacePattern
        ? out.replace(r.regex, (m) => m.replace(r.replacePattern!, () => r.replacer))
        : out.replace(r.regex, () => r.replacer);
    }
    return out;
  };
}
