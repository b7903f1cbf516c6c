/**
 * JSON keys as XML element names and back, as Synapse's JsonReaderDelegate / XmlReaderDelegate name them:
 * a key starting with a digit gets `_JsonReader_PD_` in front (`12X12` is `_JsonReader_PD_12X12`), a key
 * starting with `$` has it replaced by `_JsonReader_PS_` (`$schema` is `_JsonReader_PS_schema`).
 * Any other character an XML name cannot hold (a space, ':', '@', ...) is written `_JsonReader_<code>_`
 * with its UTF-16 code in decimal, the form Synapse uses when synapse.commons.json.buildValidNCNames is
 * on; by default Micro Integrator keeps such names unchanged in its object model, which has no text form.
 */
const PD = '_JsonReader_PD_';
const PS = '_JsonReader_PS_';
const ID = '_JsonReader_';

// XML 1.0 (fifth edition) NameStartChar / NameChar without ':' (surrogate pairs are accepted as a pair)
const START = /[A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const CHAR = /[-.0-9\u00B7\u0300-\u036F\u203F\u2040A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const PLAIN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function escapeChars(s: string, first: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        out += ch + s[i + 1]!;
        i++;
        first = false;
        continue;
      }
    }
    out += (first ? START : CHAR).test(ch) ? ch : `${ID}${c}_`;
    first = false;
  }
  return out;
}

/** The element name of a JSON key. */
export function keyElementName(key: string): string {
  if (PLAIN.test(key)) return key;
  if (key === '') return `${ID}0_`;
  const c = key.charCodeAt(0);
  if (c >= 48 && c <= 57) return PD + escapeChars(key, false);
  if (c === 36) return PS + escapeChars(key.slice(1), false);
  return escapeChars(key, true);
}

const ESCAPED = /_JsonReader_(\d+)_/g;

/** The JSON key of an element name (the local name; prefixes are dropped, as MI drops namespaces). */
export function elementKey(name: string): string {
  if (name.charCodeAt(0) !== 95 || !name.startsWith(ID)) return name.includes(ID) ? unescapeChars(name) : name;
  if (name.startsWith(PD)) return unescapeChars(name.slice(PD.length));
  if (name.startsWith(PS)) return '$' + unescapeChars(name.slice(PS.length));
  return unescapeChars(name);
}

function unescapeChars(s: string): string {
  if (!s.includes(ID)) return s;
  return s.replace(ESCAPED, (m, code: string) => {
    const n = Number(code);
    return n === 0 ? '' : n <= 0xffff ? String.fromCharCode(n) : m;
  });
}
