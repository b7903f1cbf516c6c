/**
 * `GET /management/sequences` and `?sequenceName=` (Micro Integrator's SequenceResource): name, stats
 * and tracing; the detail adds the mediator tags in order and the configuration.
 */
import type { FastifyInstance } from 'fastify';
import type { ManagementContext } from '../context.js';
import { notFound } from '../errors.js';
import { ASPECTS, configurationOf, listOf, type Query } from '../list.js';

export function registerSequences(app: FastifyInstance, ctx: ManagementContext): void {
  app.get('/management/sequences', async (req) => {
    const q = req.query as Query;
    const sequences = ctx.runtime.current.sequences;
    const name = q['sequenceName'];
    if (name !== undefined) {
      const s = sequences.get(name);
      if (!s) notFound(`no sequence named '${name}' is deployed`);
      return { name: s.name, ...ASPECTS, mediators: s.list.map((m) => m.tag), configuration: configurationOf(s.file) };
    }
    return listOf([...sequences.values()].map((s) => ({ name: s.name, ...ASPECTS })), (s) => s.name, q);
  });
}
