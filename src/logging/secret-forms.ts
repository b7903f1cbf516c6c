/**
 * The forms a secret takes once the runtime has written it somewhere: percent-encoded (in a URL), escaped
 * in JSON, Base64 (`base64Encode(secret)`), and Base64 inside a longer value, as in a Basic header built
 * from `user:secret`. A Base64 of text that holds the secret depends on where the secret starts modulo 3
 * bytes; for each of the three alignments the characters fixed by the secret's bytes alone are known, both
 * when the secret ends the encoded value (with the padding) and when more bytes follow.
 */

/** Derived forms shorter than this would mask ordinary text by accident. */
const MIN_DERIVED = 6;

/** First Base64 character determined by the secret alone, for a secret starting at byte offset 0, 1, 2. */
const FIRST_DETERMINED = [0, 2, 3];

export function derivedForms(secret: string): string[] {
  const forms = new Set<string>();
  const bytes = Buffer.from(secret, 'utf8');
  for (let k = 0; k < 3; k++) {
    const b64 = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const start = FIRST_DETERMINED[k]!;
    forms.add(b64.slice(start)); // the secret ends the encoded value
    forms.add(b64.slice(start, Math.floor((8 * (k + bytes.length)) / 6))); // more bytes follow
  }
  for (const f of [...forms]) forms.add(base64Url(f));
  forms.add(secret);
  for (const f of [...forms]) {
    forms.add(encodeURI(f));
    forms.add(encodeURIComponent(f));
    forms.add(encodeURIComponent(f).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()));
  }
  forms.add(JSON.stringify(secret).slice(1, -1));
  forms.delete(secret);
  return [...forms].filter((f) => f.length >= MIN_DERIVED);
}

function base64Url(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
