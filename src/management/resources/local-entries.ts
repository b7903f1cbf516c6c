/**
 * `GET /management/local-entries` and `?name=` (Micro Integrator's LocalEntryResource): name and type
 * ("Inline Text" / "Inline XML"); the detail adds the value, with the text of any `<password>` element
 * masked as Micro Integrator does.
 */
import type { FastifyInstance } from 'fastify';
import type { LocalEntry } from '../../artifacts/model.js';
import type { ManagementContext } from '../context.js';
import { notFound } from '../errors.js';
import { listOf, type Query } from '../list.js';

const PASSWORD = /(<(?:[\w.-]+:)?password\b[^>]*>)[^<]*(<\/(?:[\w.-]+:)?password>)/g;

function typeOf(e: LocalEntry): string {
  return e.element ? 'Inline XML' : 'Inline Text';
}

export function registerLocalEntries(app: FastifyInstance, ctx: ManagementContext): void {
  app.get('/management/local-entries', async (req) => {
    const q = req.query as Query;
    const entries = ctx.runtime.current.localEntries;
    const name = q['name'];
    if (name !== undefined) {
      const e = entries.get(name);
      if (!e) notFound(`no local entry named '${name}' is deployed`);
      return { name: e.name, type: typeOf(e), value: e.element ? e.text.replace(PASSWORD, '$1*****$2') : e.text };
    }
    return listOf([...entries.values()].map((e) => ({ name: e.name, type: typeOf(e) })), (e) => e.name, q);
  });
}
