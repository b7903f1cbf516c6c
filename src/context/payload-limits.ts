/**
 * The budgets one message may spend, from `[server]`. Each is checked by a linear scan of the text before a
 * parser builds anything, so a hostile body is refused after reading only as much as the budget allows, and
 * the tree a mediator gets is bounded: building it and walking it can block the event loop only briefly.
 *
 * The defaults keep the worst case of one message step (parse plus an XPath over the whole tree) at a few
 * hundred milliseconds on one core, measured with @xmldom/xmldom (about 4.5 µs per element, 3 µs per comment
 * or CDATA section, 1 µs per entity reference) and V8's JSON.parse (0.5 µs per value, 2 µs per object key).
 * Woodstox, which Micro Integrator reads XML with, allows 1000 attributes per element; its element count is
 * unbounded, which a single-threaded runtime cannot afford.
 */

export interface PayloadLimits {
  maxBodyBytes: number;
  maxXmlDepth: number;
  maxXmlElements?: number;
  maxXmlAttributesPerElement?: number;
  /** Elements, attributes, text runs, entity and character references, comments, CDATA sections, PIs. */
  maxXmlNodes?: number;
  maxJsonDepth?: number;
  /** Objects, arrays and scalars (object keys are not counted apart from their values). */
  maxJsonValues?: number;
}

export const PAYLOAD_LIMIT_DEFAULTS = {
  maxXmlElements: 50_000,
  maxXmlAttributesPerElement: 1000,
  maxXmlNodes: 100_000,
  maxJsonDepth: 1000,
  maxJsonValues: 100_000,
  maxXpathSteps: 1_000_000,
} as const;


/** Fills the budgets a caller left out with the defaults. */
export function withDefaults(l: PayloadLimits): Required<PayloadLimits> {
  // the runtime's limits (every budget set) pass through: no object per message on the request path
  if (l.maxXmlElements !== undefined && l.maxXmlAttributesPerElement !== undefined && l.maxXmlNodes !== undefined && l.maxJsonDepth !== undefined && l.maxJsonValues !== undefined) {
    return l as Required<PayloadLimits>;
  }
  return {
    maxBodyBytes: l.maxBodyBytes,
    maxXmlDepth: l.maxXmlDepth,
    maxXmlElements: l.maxXmlElements ?? PAYLOAD_LIMIT_DEFAULTS.maxXmlElements,
    maxXmlAttributesPerElement: l.maxXmlAttributesPerElement ?? PAYLOAD_LIMIT_DEFAULTS.maxXmlAttributesPerElement,
    maxXmlNodes: l.maxXmlNodes ?? PAYLOAD_LIMIT_DEFAULTS.maxXmlNodes,
    maxJsonDepth: l.maxJsonDepth ?? PAYLOAD_LIMIT_DEFAULTS.maxJsonDepth,
    maxJsonValues: l.maxJsonValues ?? PAYLOAD_LIMIT_DEFAULTS.maxJsonValues,
  };
}
