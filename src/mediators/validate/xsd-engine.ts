/**
 * XML Schema validation with libxml2 (libxml2-wasm: libxml2 compiled to WebAssembly, no native build).
 * Schemas are compiled once (by a hash of the schemas and their resources) and shared; the documents a
 * schema imports or includes (`<resource location key>`) are served from memory under a private URL
 * scheme, so libxml2 never reads a file or the network.
 */
import { createHash } from 'node:crypto';
import { XmlBufferInputProvider, XmlDocument, XmlLibError, XmlValidateError, XsdValidator, xmlRegisterInputProvider } from 'libxml2-wasm';

export class XsdCompileError extends Error {}

/** What a failed validation reports: libxml2's messages, one per problem. */
export interface ValidationProblems {
  readonly messages: readonly string[];
}

export interface CompiledSchema {
  /** undefined when the XML is valid. */
  validate(xml: string): ValidationProblems | undefined;
}

export interface SchemaSource {
  /** The schema documents (a validate mediator may name several), in order. */
  readonly schemas: readonly string[];
  /** Documents the schemas import or include, by the location they name. */
  readonly resources: ReadonlyMap<string, string>;
}

const encoder = new TextEncoder();
let provider: XmlBufferInputProvider | undefined;
const compiled = new Map<string, CompiledSchema>();

function inputs(): XmlBufferInputProvider {
  if (!provider) {
    provider = new XmlBufferInputProvider({});
    xmlRegisterInputProvider(provider);
  }
  return provider;
}

function hashOf(src: SchemaSource): string {
  const h = createHash('sha256');
  for (const s of src.schemas) h.update(s).update('\u0000');
  for (const [loc, text] of [...src.resources].sort(([a], [b]) => (a < b ? -1 : 1))) h.update(loc + '\u0000' + text + '\u0000');
  return h.digest('hex');
}

function lines(details: readonly { message: string }[] | undefined, fallback: string): string[] {
  const out = (details ?? []).map((d) => d.message.trim()).filter((m) => m !== '');
  return out.length ? out : [fallback.trim()];
}

/** A schema over several documents: one that imports (or, without a target namespace, includes) each. */
function umbrella(schemas: readonly string[]): string {
  const refs = schemas.map((s, i) => {
    const tns = /<(?:[\w.-]+:)?schema\b[^>]*?\btargetNamespace\s*=\s*(["'])(.*?)\1/.exec(s)?.[2];
    return tns ? `<xs:import namespace="${tns.replace(/"/g, '&quot;')}" schemaLocation="schema${i}.xsd"/>` : `<xs:include schemaLocation="schema${i}.xsd"/>`;
  });
  return `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">${refs.join('')}</xs:schema>`;
}

/** Compiles (or finds compiled) the schemas. Throws XsdCompileError with libxml2's reason. */
export function compileSchema(src: SchemaSource): CompiledSchema {
  const hash = hashOf(src);
  const hit = compiled.get(hash);
  if (hit) return hit;
  const base = `mi-xsd://${hash}/`;
  const p = inputs();
  for (const [loc, text] of src.resources) {
    p.addBuffer(base + loc, encoder.encode(text));
    p.addBuffer(loc, encoder.encode(text)); // an absolute location is asked for as written
  }
  src.schemas.forEach((s, i) => p.addBuffer(`${base}schema${i}.xsd`, encoder.encode(s)));
  const mainText = src.schemas.length === 1 ? src.schemas[0]! : umbrella(src.schemas);
  let doc: XmlDocument | undefined;
  let validator: XsdValidator;
  try {
    doc = XmlDocument.fromString(mainText, { url: src.schemas.length === 1 ? `${base}schema0.xsd` : `${base}__all.xsd` });
    validator = XsdValidator.fromDoc(doc);
  } catch (err) {
    doc?.dispose();
    if (err instanceof XmlLibError) throw new XsdCompileError(lines((err as XmlValidateError).details, err.message).join('; '));
    throw err;
  }
  // the schema document stays alive as long as the validator made from it (compiled schemas are kept)
  const schema: CompiledSchema = {
    validate(xml) {
      let d: XmlDocument;
      try {
        d = XmlDocument.fromString(xml);
      } catch (err) {
        if (err instanceof XmlLibError) return { messages: lines((err as XmlValidateError).details, err.message) };
        throw err;
      }
      try {
        validator.validate(d);
        return undefined;
      } catch (err) {
        if (err instanceof XmlValidateError) return { messages: lines(err.details, err.message) };
        throw err;
      } finally {
        d.dispose();
      }
    },
  };
  compiled.set(hash, schema);
  return schema;
}
