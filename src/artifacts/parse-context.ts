/**
 * What a parse() sees while turning one artifact file into a model: the file name for diagnostics, the
 * mediator registry, and the list of keys the artifact refers to (checked once every file is loaded).
 * Parsing never throws for a user mistake: it records a diagnostic and carries on, so `mi validate` can list
 * every problem in one run.
 */
import type { TierCatalog } from '../security/throttling/tiers.js';
import { Errors, type ErrorSpec, type MiError } from '../errors.js';
import type { DatasourceConfig } from '../store/datasource-config.js';
import { position, namespacesInScope } from '../xml/dom.js';
import { diagnostic, type Diagnostic } from './diagnostic.js';
import type { Mediator } from '../mediators/mediator.js';
import { compileDynamicValue, compileExpression, ExpressionError, observeCompiles, type DynamicValue, type Expression } from '../expr/expression.js';
import { attachPrefetch } from '../security/vault/prefetch.js';
import { ExtensionLoader } from '../handlers/extension-loader.js';

export type RefKind = 'sequence' | 'endpoint' | 'localEntry' | 'template' | 'endpointTemplate';

export interface KeyRef {
  kind: RefKind;
  key: string;
  line: number;
  col: number;
  /** Wires the referring piece to the artifact the key names, when linked (a template endpoint to its template). */
  bind?: RefBinder;
}

/** A problem found while wiring a reference, reported at the reference. */
export interface BindProblem {
  spec: ErrorSpec;
  message: string;
}

/** Wires to `target` (the artifact the key names): the problems (none: wired), and the keys the wiring refers to. */
export type RefBinder = (target: unknown) => { problems: readonly BindProblem[]; refs: readonly { kind: RefKind; key: string }[] };

export interface MediatorParser {
  parseMediator(el: Element, ctx: ParseContext): Mediator | undefined;
  /** Whether a secure vault alias is declared ([secrets]); without it, aliases are checked at run time only. */
  knownSecretAlias?(alias: string): boolean;
  /** Whether an [[external_vault]] of this name (hashicorp) is configured; likewise optional. */
  knownExternalVault?(name: string): boolean;
  /** Whether deployment.toml declares a [[jwt_issuer]] (an oauth2 scheme needs one); undefined: not checked. */
  readonly hasJwtIssuers?: boolean;
  /** `[api_security] default`: what an API that declares no security gets (`none` unless set). */
  readonly apiSecurityDefault?: 'oauth2' | 'none';
  /** Whether deployment.toml declares a [[key_manager]] (opaque tokens can then be accepted too). */
  readonly hasKeyManagers?: boolean;
  /** The throttling tiers (built in and [[throttling.tier]]) a declaration may name; undefined: the built-ins. */
  readonly throttlingTiers?: TierCatalog;
  /**
   * The `[[datasource]]` a dblookup / dbreport `<dsName>` names (by id, or by its jndi_config.name), its
   * configuration error when it cannot be used, undefined when none is declared so.
   */
  datasource?(name: string): DatasourceConfig | MiError | undefined;
  /**
   * The deployer's loader of TypeScript extensions, shared by every artifact so that they share one module
   * cache and one record of who uses which file; a parser used without a deployer has none.
   */
  readonly extensions?: ExtensionLoader;
}

/** Thrown to abandon parsing of one element after its diagnostic has been recorded. */
export class ParseAbort extends Error {}

export class ParseContext {
  readonly diagnostics: Diagnostic[] = [];
  readonly refs: KeyRef[] = [];
  /** Keys of the shared resources (DB connection pools) this artifact uses: kept open while it is deployed. */
  readonly resources = new Set<string>();
  private ownExtensions: ExtensionLoader | undefined;

  constructor(
    readonly file: string,
    readonly mediators: MediatorParser,
    /** The home folder, for resolving file references. */
    readonly home = '.',
  ) {}

  /** The loader for `<handler class>` and `<class name>` modules: the deployer's, else one for this file. */
  get extensions(): ExtensionLoader {
    return this.mediators.extensions ?? (this.ownExtensions ??= new ExtensionLoader(this.home));
  }

  get failed(): boolean {
    return this.diagnostics.some((d) => d.severity === 'error');
  }

  error(node: Node, spec: ErrorSpec, message: string): void {
    this.diagnostics.push(diagnostic(this.file, position(node), spec, message));
  }

  warn(node: Node, spec: ErrorSpec, message: string): void {
    this.diagnostics.push(diagnostic(this.file, position(node), spec, message, 'warning'));
  }

  /** Records an error and abandons the current element. */
  fail(node: Node, spec: ErrorSpec, message: string): never {
    this.error(node, spec, message);
    throw new ParseAbort(message);
  }

  /**
   * Reads the attributes of `el`, reporting any not in `allowed` (namespace declarations and attributes in
   * foreign namespaces are always allowed). Returns a lookup that yields undefined for absent attributes.
   */
  attrs(el: Element, allowed: readonly string[], required: readonly string[] = []): Attrs {
    const out = new Attrs(el);
    const a = el.attributes;
    for (let i = 0; i < a.length; i++) {
      const at = a[i]!;
      const name = at.name;
      if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
      if (at.namespaceURI && name.includes(':')) continue;
      if (!allowed.includes(name)) {
        this.warn(el, Errors.UNKNOWN_ATTRIBUTE, `unknown attribute '${name}' on <${el.localName}> (allowed: ${allowed.join(', ') || 'none'})`);
      }
    }
    for (const r of required) {
      if (!el.hasAttribute(r)) this.fail(el, Errors.MISSING_ATTRIBUTE, `<${el.localName}> needs the '${r}' attribute`);
    }
    return out;
  }

  /** Declares that this artifact uses the shared resource under `key` (runtime.resources keeps it open). */
  useResource(key: string): void {
    this.resources.add(key);
  }

  ref(node: Node, kind: RefKind, key: string, bind?: RefBinder): void {
    const { line, col } = position(node);
    this.refs.push(bind ? { kind, key, line, col, bind } : { kind, key, line, col });
  }

  namespaces(el: Element): Record<string, string> {
    return namespacesInScope(el);
  }

  /** Compiles an expression written on `el` (namespaces in scope there); a compile error fails the element. */
  expression(el: Element, source: string): Expression {
    try {
      return compileExpression(source, namespacesInScope(el));
    } catch (err) {
      if (err instanceof ExpressionError) this.fail(el, Errors.BAD_XPATH, err.message);
      throw err;
    }
  }

  /** A value that may be a `{expression}` (dynamic key or name). */
  dynamic(el: Element, text: string): DynamicValue {
    try {
      return compileDynamicValue(text, namespacesInScope(el));
    } catch (err) {
      if (err instanceof ExpressionError) this.fail(el, Errors.BAD_XPATH, err.message);
      throw err;
    }
  }

  /**
   * A literal wso2:vault-lookup('alias') naming no [secrets] alias, or a hashicorp:vault-lookup without an
   * [[external_vault]], fails at deploy time rather than on every request.
   */
  /** Deploy-time checks of vault lookups: aliases declared under [secrets], an [[external_vault]] for hashicorp. */
  checkVaultLookups(el: Element, exprs: readonly Expression[]): void {
    const { knownSecretAlias, knownExternalVault } = this.mediators;
    for (const e of exprs) {
      for (const alias of knownSecretAlias ? e.vaultAliases ?? [] : []) {
        if (!knownSecretAlias!.call(this.mediators, alias)) {
          this.error(el, Errors.SECRET_UNKNOWN_ALIAS, `wso2:vault-lookup('${alias}'): alias '${alias}' is not declared under [secrets] in deployment.toml`);
        }
      }
      if (e.externalLookups && knownExternalVault && !knownExternalVault.call(this.mediators, 'hashicorp')) {
        this.error(el, Errors.EXTERNAL_VAULT_CONFIG, 'hashicorp:vault-lookup needs an [[external_vault]] with name = "hashicorp" in deployment.toml');
      }
    }
  }

  /** Parses the child elements of `el` as a mediator list. */
  mediatorList(el: Element): Mediator[] {
    const list: Mediator[] = [];
    for (let n = el.firstChild; n; n = n.nextSibling) {
      if (n.nodeType !== 1) continue;
      try {
        // the expressions of this mediator (not of its children, which get their own turn here)
        const exprs: Expression[] = [];
        const m = observeCompiles((e) => exprs.push(e), () => this.mediators.parseMediator(n as Element, this));
        this.checkVaultLookups(n as Element, exprs);
        if (m) {
          attachPrefetch(m, exprs);
          list.push(m);
        }
      } catch (err) {
        if (!(err instanceof ParseAbort)) throw err;
      }
    }
    for (let i = 0; i < list.length; i++) list[i]!.followedBy?.(list.slice(i + 1));
    return list;
  }
}

export class Attrs {
  constructor(private readonly el: Element) {}
  get(name: string): string | undefined {
    return this.el.hasAttribute(name) ? this.el.getAttribute(name)! : undefined;
  }
  req(name: string): string {
    return this.el.getAttribute(name) ?? '';
  }
  bool(name: string, dflt: boolean): boolean {
    const v = this.get(name);
    return v === undefined ? dflt : v.trim().toLowerCase() === 'true';
  }
}
