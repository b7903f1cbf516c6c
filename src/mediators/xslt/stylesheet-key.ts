/**
 * The stylesheet a `key` names, for xslt and fastXSLT: a static key's local entry is compiled when the
 * artifact deploys (with the `<resource>` documents it imports); a {dynamic} key is resolved per message,
 * compiled on its first use (without blocking other requests) and cached while its texts stay the same.
 */
import type { MessageContext } from '../../context/message-context.js';
import type { BindProblem } from '../../artifacts/parse-context.js';
import { Errors, MiError } from '../../errors.js';
import type { DynamicValue } from '../../expr/expression.js';
import { resourceTexts } from '../source-node.js';
import { CompilePending } from '../deploy-compiles.js';
import { compileStylesheet, compileStylesheetSync, XsltCompileError, type CompiledStylesheet } from './xslt-engine.js';

export class StylesheetKey {
  /** Texts of the stylesheet and resources, by key, as the linker hands them over. */
  private readonly texts = new Map<string, string>();
  private linked: CompiledStylesheet | undefined;
  /** Stylesheets of a dynamic key, by key, with the texts they were compiled from. */
  private readonly byKey = new Map<string, { fingerprint: string; compiled: CompiledStylesheet }>();

  constructor(
    private readonly key: DynamicValue,
    /** The key as written (for messages). */
    readonly keyText: string,
    /** location -> local entry key */
    private readonly resources: ReadonlyMap<string, string>,
    private readonly cacheDir: string,
    /** Which key errors name: as written (XSLTMediator's Value) or as resolved (FastXSLTMediator's string). */
    private readonly errorsName: 'written' | 'resolved' = 'written',
  ) {}

  get staticKey(): string | undefined {
    return this.key.isStatic ? this.keyText : undefined;
  }

  /** Called by the linker for the stylesheet entry and each resource: compiles once every text is known. */
  bind(key: string, text: string): BindProblem[] {
    this.texts.set(key, text);
    const staticKey = this.staticKey;
    if (staticKey === undefined) return [];
    const xsl = this.texts.get(staticKey);
    if (xsl === undefined || [...this.resources.values()].some((k) => !this.texts.has(k))) return [];
    try {
      this.linked = compileStylesheetSync({ text: xsl, resources: resourceTexts(this.resources, (k) => this.texts.get(k)) }, this.cacheDir);
      return [];
    } catch (err) {
      if (err instanceof XsltCompileError) return [{ spec: Errors.XSLT_COMPILE, message: `stylesheet '${staticKey}' does not compile: ${err.message}` }];
      if (err instanceof CompilePending) return []; // the deployer's dry link: it waits and links again
      throw err;
    }
  }

  /**
   * The compiled stylesheet for this message, with the key it resolved to. A dynamic key naming no local
   * entry, or a stylesheet that does not compile, is Synapse's "Error creating XSLT transformer using : KEY".
   */
  resolve(mc: MessageContext): { xsl: CompiledStylesheet; key: string } | Promise<{ xsl: CompiledStylesheet; key: string }> {
    if (this.linked) return { xsl: this.linked, key: this.keyText };
    const key = this.key.resolve(mc);
    const entry = mc.runtime.localEntry(key);
    const named = this.errorsName === 'resolved' ? key : this.keyText;
    if (!entry) throw new MiError(Errors.XSLT_ERROR, `Error creating XSLT transformer using : ${named}`, { cause: new Error(`no local entry '${key}' holds a stylesheet`) });
    const src = { text: entry.text, resources: resourceTexts(this.resources, (k) => mc.runtime.localEntryText(k)) };
    const fingerprint = src.text + '\u0000' + [...src.resources.values()].join('\u0000');
    const cached = this.byKey.get(key);
    if (cached?.fingerprint === fingerprint) return { xsl: cached.compiled, key };
    return compileStylesheet(src, this.cacheDir).then(
      (compiled) => {
        this.byKey.set(key, { fingerprint, compiled });
        return { xsl: compiled, key };
      },
      (err: unknown) => {
        throw new MiError(Errors.XSLT_ERROR, `Error creating XSLT transformer using : ${named}`, { cause: err });
      },
    );
  }
}
