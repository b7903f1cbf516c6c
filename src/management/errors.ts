/**
 * Error replies of the management API in Micro Integrator's shape, `{"Error": "<message>"}`
 * (management/apis/Utils.createJsonErrorObject), plus our `code` so a client can tell failures apart
 * without parsing the message.
 */
import type { FastifyReply } from 'fastify';
import { Errors, MiError, type ErrorSpec } from '../errors.js';

export interface ErrorBody {
  readonly Error: string;
  readonly code: string;
}

export function errorBody(spec: ErrorSpec, message: string): ErrorBody {
  return { Error: message, code: spec.code };
}

export function sendError(reply: FastifyReply, spec: ErrorSpec, message: string, headers: Record<string, string> = {}, status = spec.status ?? 500): FastifyReply {
  return reply.code(status).headers(headers).send(errorBody(spec, message));
}

/** A thrown MiError keeps its code and status; fastify's own errors (bad JSON, body too large) map to ours. */
export function toErrorReply(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof MiError) return { status: err.status ?? 400, body: errorBody(err.spec, err.message) };
  const e = err as { statusCode?: number; message?: string; code?: string };
  if (e.statusCode === 413) return { status: 413, body: errorBody(Errors.BODY_TOO_LARGE, 'the request body is larger than the management API accepts (1 MiB)') };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: errorBody(Errors.MGT_BAD_REQUEST, e.message ?? 'bad request') };
  }
  return { status: 500, body: errorBody(Errors.MGT_INTERNAL, 'internal error; see the server log') };
}

/** Throws 400 with the field named. */
export function badRequest(message: string): never {
  throw new MiError(Errors.MGT_BAD_REQUEST, message);
}

export function notFound(message: string): never {
  throw new MiError(Errors.MGT_NOT_FOUND, message);
}
