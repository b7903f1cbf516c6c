/** URLs as they may appear in logs and error messages: never with the userinfo (user:password@) part. */

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;

export function safeUrl(url: string): string {
  return url.replace(USERINFO, '$1');
}

/** Removes userinfo from any URL embedded in a free-text message (e.g. an error from the HTTP client). */
export function scrubUrls(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi, '$1');
}
