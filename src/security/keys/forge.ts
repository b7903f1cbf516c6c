/**
 * node-forge, loaded on first use: importing it costs about 150 ms, which only starts that open or make a
 * PKCS12 key store should pay. It is a CommonJS package, so a synchronous require works from ESM.
 */
import { createRequire } from 'node:module';
import type * as Forge from 'node-forge';

let loaded: typeof Forge | undefined;

export function forgeLib(): typeof Forge {
  return (loaded ??= createRequire(import.meta.url)('node-forge') as typeof Forge);
}
