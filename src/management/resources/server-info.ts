/**
 * `GET /management/server`: Micro Integrator's ServerResource fields where they mean the same here
 * (productName, productVersion, carbonHome, repositoryLocation, osName, osVersion), with Node.js in place
 * of Java and the uptime in seconds.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { ManagementContext } from '../context.js';

let pkg: { name: string; version: string } | undefined;
function packageInfo(): { name: string; version: string } {
  if (!pkg) {
    // dist/src/management/resources/ -> the package root
    const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../package.json');
    pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string };
  }
  return pkg;
}

export function registerServerInfo(app: FastifyInstance, ctx: ManagementContext): void {
  app.get('/management/server', async () => {
    const p = packageInfo();
    const home = ctx.runtime.config.home;
    return {
      productName: p.name,
      productVersion: p.version,
      carbonHome: home,
      repositoryLocation: path.join(home, 'synapse-configs', 'default'),
      nodeVersion: process.versions.node,
      osName: os.type(),
      osVersion: os.release(),
      osArch: os.arch(),
      uptime: Math.round((Date.now() - ctx.startedAt) / 1000),
      startedAt: new Date(ctx.startedAt).toISOString(),
    };
  });
}
