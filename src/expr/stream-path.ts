/**
 * Fast path for simple location paths over untouched message bytes.
 *
 * Content-based routing usually asks one small question of a message (`//order[1]/symbol`,
 * `/soapenv:Envelope/soapenv:Header/t:routing`); building the whole DOM and running the general XPath engine
 * for it costs hundreds of microseconds. `compileStreamPath` recognises a subset of XPath 1.0 location paths
 * and answers them with one forward pass over the raw bytes, returning exactly what the DOM engine
 * (@xmldom/xmldom + xpath, through Synapse's `synapseString()`) would return. Whenever the pass meets
 * anything it cannot reproduce with certainty (DOCTYPE, malformed markup, an unknown entity, an element
 * whose Synapse string value is its serialization, non-ASCII names, ...) `match` returns undefined and the
 * caller takes the DOM route, which decides and reports errors.
 *
 * Supported paths (anything else compiles to undefined):
 *   - absolute `/a/b`, descendant `//a/b`, `/a//b`, relative `a/b` (from the Envelope), and paths from the
 *     Synapse variables `$body/...`, `$header/...`, `$env/...`
 *   - name tests `name`, `p:name`, `*`, `p:*` (unprefixed names match elements in no namespace, as XPath 1.0)
 *   - one positional predicate `[n]` per element step (n a positive integer literal)
 *   - a final `/text()` or `//text()`, or a final `/@name`, `/@p:name`, `//@name`
 *
 * Mirrored details of the DOM engine: xmldom's line-end normalisation (CR LF, CR, NEL, LS, PS become LF
 * before parsing), attribute-value normalisation (TAB, LF, CR become a space; character references are not
 * normalised), its entity handling (the five predefined entities and decimal/hex character references; a
 * `&` that does not start a reference stays literal), its XML Char checks in comments, CDATA and PIs, the
 * Payload's wrapping of POX bodies (trimmed start, stripped declaration, `soapenv` prefix in scope), the
 * SOAP root check, `$body` failing without a Body, and the Synapse rule that an element whose direct text
 * is blank but which has children is serialized (we fall back for those). Paths that could select the
 * Document's own text children (xmldom keeps white space before the root there) are not compiled.
 *
 * Layout: stream-path-plan.ts compiles the path at deploy time; stream-path-matcher.ts runs the plan over
 * the tokens of the one XML byte tokenizer (src/xml/tokenizer.ts, in its xmldom dialect), which checks the
 * bytes and tracks the namespaces in scope.
 *
 * Early stop: once no element still open can contribute to the result the pass ends (for example after the
 * positional match of `/a[1]/b[1]` closed). Bytes after that point are not checked for well-formedness, as
 * with the deferred building of Synapse's Axiom; the DOM engine would report errors there when a later step
 * builds the tree. Descendant (`//`) paths always read the whole document. The content of an element that
 * nothing can match below is still tokenized (and checked), but no frames are kept for it. Nesting deeper than MAX_DEPTH
 * (the default `[server] max_xml_depth`) falls back; a lower configured limit is not known here.
 */
import { StreamMatcher } from './stream-path-matcher.js';
import { planOf } from './stream-path-plan.js';

export interface StreamPath {
  /** Synapse string value of the path over `raw`, or undefined when the DOM engine must decide. */
  match(raw: Buffer, wrapped: boolean): string | undefined;
}

/** The matcher for `source`, or undefined when the path is outside the streaming subset. */
export function compileStreamPath(source: string, namespaces: Record<string, string>): StreamPath | undefined {
  const plan = planOf(source, namespaces);
  return plan && new StreamMatcher(plan);
}
