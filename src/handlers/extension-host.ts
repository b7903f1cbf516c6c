/**
 * How parse() code reaches the deployer's extension loader: the deployer hands the parser a view of its
 * mediator registry that also carries the loader, so artifacts, <handlers> and <class> share one module
 * cache and one record of who uses which file.
 */
import type { MediatorParser, ParseContext } from '../artifacts/parse-context.js';
import { ExtensionLoader } from './extension-loader.js';

export interface ExtensionHost {
  readonly extensions: ExtensionLoader;
}

/** The parser with the loader attached (everything else is delegated to `parser`). */
export function withExtensions<P extends MediatorParser>(parser: P, loader: ExtensionLoader): P & ExtensionHost {
  return Object.assign(Object.create(parser) as P, { extensions: loader });
}

// parsers built without a deployer (tests, tools) get one loader each
const fallback = new WeakMap<MediatorParser, ExtensionLoader>();

export function extensionsOf(ctx: ParseContext): ExtensionLoader {
  const attached = (ctx.mediators as Partial<ExtensionHost>).extensions;
  if (attached) return attached;
  let l = fallback.get(ctx.mediators);
  if (!l) fallback.set(ctx.mediators, (l = new ExtensionLoader(ctx.home)));
  return l;
}
