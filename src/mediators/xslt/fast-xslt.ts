/**
 * <fastXSLT key>: Micro Integrator's FastXSLTMediator. The stylesheet (static key compiled when the artifact
 * deploys, {dynamic} key on first use) runs on the whole message as it would go on the wire (the SOAP
 * envelope itself, or the POX document), and the serializer's output, as the stylesheet's xsl:output asks,
 * becomes the message bytes; the content type stays. There is no source, target, property, feature or
 * resource, as in Micro Integrator.
 *
 * Micro Integrator reads the bytes that arrived, so a change an earlier mediator made is not seen; here the
 * current message is transformed (its bytes when nothing changed them, which is the case it is meant for).
 */
import path from 'node:path';
import type { MessageContext } from '../../context/message-context.js';
import { Errors, MiError } from '../../errors.js';
import { mediaType } from '../../context/payload.js';
import { clientIsRest } from '../../context/serialize.js';
import type { Mediator } from '../mediator.js';
import type { MediatorDef } from '../mediator-def.js';
import { payloadTree, saxonTreeOf } from './saxon-tree.js';
import type { CompiledStylesheet } from './xslt-engine.js';
import type { SaxonDocument } from './saxon.js';
import { StylesheetKey } from './stylesheet-key.js';

const FAST_XSLT_LOGGER = 'org.wso2.carbon.mediator.fastXSLT.FastXSLTMediator';

class FastXsltMediator implements Mediator {
  readonly tag = 'fastXSLT';
  readonly contentAware = true;

  constructor(readonly stylesheet: StylesheetKey) {}

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const r = this.stylesheet.resolve(mc);
    if (r instanceof Promise) return r.then(({ xsl, key }) => this.apply(mc, xsl, key));
    return this.apply(mc, r.xsl, r.key);
  }

  private apply(mc: MessageContext, xsl: CompiledStylesheet, key: string): boolean {
    let out: string;
    try {
      const source = messageTree(mc);
      out = xsl.run(source, undefined, (text) => mc.runtime.logs.get(FAST_XSLT_LOGGER).info(`xsl:message (${key}): ${text}`), true) as string;
    } catch (err) {
      throw new MiError(Errors.XSLT_ERROR, 'Error while transforming the Stream ', { cause: err instanceof Error ? err : new Error(String(err)) });
    }
    mc.payload.setRaw(Buffer.from(out, 'utf8'), mc.payload.contentType);
    return true;
  }
}

/** The whole message as a document for the stylesheet: from its bytes when untouched, else from its DOM. */
function messageTree(mc: MessageContext): SaxonDocument {
  const p = mc.payload;
  if (p.isJson) throw new Error('the message is JSON, not XML');
  const bytes = p.untouchedXml();
  // the document element of the bytes, whatever it is (an envelope, or a POX root)
  const tree = bytes && payloadTree(bytes.raw, true, bytes.maxDepth);
  if (tree) return tree.doc;
  // what goes on the wire: the envelope for SOAP (Payload.kind cannot tell once a view replaced unread bytes)
  const messageType = mc.axis2.get('messageType');
  const mt = mediaType(typeof messageType === 'string' && messageType !== '' ? messageType : p.contentType);
  if (mt === 'application/soap+xml' || (mt === 'text/xml' && !clientIsRest(mc))) return saxonTreeOf(p.envelope().documentElement);
  const el = mt === 'text/xml' || mt === 'application/xml' || mt.endsWith('+xml') ? p.bodyElement() : undefined;
  if (!el) throw new Error(`the message is not XML (${p.contentType ?? 'no content type'})`);
  return saxonTreeOf(el);
}

export const fastXslt: MediatorDef = {
  tag: 'fastXSLT',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['key', 'description'], ['key']);
    const keyText = a.req('key');
    const key = ctx.dynamic(el, keyText);
    for (const k of Array.from(el.childNodes)) {
      if (k.nodeType === 1) ctx.warn(k as Element, Errors.UNKNOWN_ELEMENT, `<${(k as Element).localName}> is ignored in <fastXSLT>: it takes no source, property, feature or resource (the xslt mediator does)`);
    }
    const stylesheet = new StylesheetKey(key, keyText, new Map(), path.join(ctx.home, 'tmp', 'xslt-cache'), 'resolved');
    if (key.isStatic) ctx.ref(el, 'localEntry', keyText, (target) => ({ problems: stylesheet.bind(keyText, (target as { text: string }).text), refs: [] }));
    return new FastXsltMediator(stylesheet);
  },
};
