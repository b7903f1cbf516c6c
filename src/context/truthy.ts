/** Synapse's reading of flag properties (NO_ENTITY_BODY, RESPONSE, FORCE_SC_ACCEPTED, ...): true or "true" in any case. */
export function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}
