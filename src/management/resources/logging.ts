/**
 * `GET /management/logging[?loggerName=]` and `PATCH /management/logging` `{"loggerName", "loggingLevel"
 * [, "loggerClass"]}` (Micro Integrator's LoggingResource). A logger is named by its id in
 * log4j2.properties (`logger.<id>.name = ...`), by the logger name itself, or `rootLogger`; a PATCH with
 * `loggerClass` sets the level of that logger (Micro Integrator adds a logger entry). Changes apply at once
 * and last until log4j2.properties is edited or the server restarts. GET is open to any logged-in user,
 * PATCH needs the admin role.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Errors, MiError } from '../../errors.js';
import { defaultLog4j2Text } from '../../logging/default-log4j2.js';
import { LEVELS, type ConfigLevel } from '../../logging/log4j2-config.js';
import type { LoggerFactory } from '../../logging/logger.js';
import { parseProperties } from '../../logging/properties-file.js';
import type { ManagementContext } from '../context.js';
import { badRequest } from '../errors.js';
import { listOf, type Query } from '../list.js';

const ROOT = 'rootLogger';
/** log4js keeps the root logger as the category `default`. */
const ROOT_CATEGORY = 'default';

interface LevelControl {
  setLevel(name: string, level: ConfigLevel): void;
  levelOf(name: string): string;
}

/** The log4j2-backed factory of a started server; tests that capture logs in memory have none. */
function levelControl(logs: LoggerFactory): LevelControl {
  const c = logs as Partial<LevelControl>;
  if (typeof c.setLevel !== 'function' || typeof c.levelOf !== 'function') {
    throw new MiError(Errors.MGT_LOG_LEVELS_FIXED, 'this server does not take its logging from log4j2.properties, so log levels cannot be read or changed here');
  }
  return c as LevelControl;
}

/** `logger.<id>.name` entries of the logging configuration in use, in file order. */
function configuredLoggers(home: string): { id: string; name: string }[] {
  const file = path.join(home, 'deployment', 'log4j2.properties');
  const props = new Map(parseProperties(existsSync(file) ? readFileSync(file, 'utf8') : defaultLog4j2Text()).map((p) => [p.key, p.value.trim()]));
  const ids = (props.get('loggers') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return ids.flatMap((id) => {
    const name = props.get(`logger.${id}.name`);
    return name ? [{ id, name }] : [];
  });
}

function loggerOf(home: string, loggerName: string): string {
  if (loggerName === ROOT) return ROOT_CATEGORY;
  return configuredLoggers(home).find((l) => l.id === loggerName)?.name ?? loggerName;
}

function describe(control: LevelControl, loggerName: string, name: string): { loggerName: string; level: string; componentName: string } {
  return { loggerName, level: control.levelOf(name).toUpperCase(), componentName: name === ROOT_CATEGORY ? ROOT : name };
}

export function registerLogging(app: FastifyInstance, ctx: ManagementContext): void {
  const home = ctx.runtime.config.home;
  app.get('/management/logging', async (req) => {
    const q = req.query as Query;
    const control = levelControl(ctx.runtime.logs);
    const loggerName = q['loggerName'];
    if (loggerName !== undefined) return describe(control, loggerName, loggerOf(home, loggerName));
    const all = [{ id: ROOT, name: ROOT_CATEGORY }, ...configuredLoggers(home)];
    return listOf(all.map((l) => describe(control, l.id, l.name)), (l) => `${l.loggerName} ${l.componentName}`, q);
  });

  // reading levels is open to every user; changing them (DEBUG can flood the disk) needs the admin role
  app.patch('/management/logging', { config: { access: 'admin' } }, async (req) => {
    const control = levelControl(ctx.runtime.logs);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const loggerName = body['loggerName'];
    const level = body['loggingLevel'];
    const loggerClass = body['loggerClass'];
    if (typeof loggerName !== 'string' || loggerName.trim() === '') badRequest('the JSON body needs "loggerName" (an id from log4j2.properties, a logger name, or rootLogger)');
    if (typeof level !== 'string' || !LEVELS.includes(level.toUpperCase())) badRequest(`"loggingLevel" must be one of ${LEVELS.join(', ')}`);
    if (loggerClass !== undefined && (typeof loggerClass !== 'string' || loggerClass.trim() === '')) badRequest('"loggerClass" must be a logger name such as org.apache.synapse.mediators.builtin.LogMediator');
    const upper = level.toUpperCase() as ConfigLevel;
    const name = typeof loggerClass === 'string' ? loggerClass.trim() : loggerOf(home, loggerName);
    if (/\s/.test(name)) badRequest(`'${name}' is not a logger name (no spaces)`);
    control.setLevel(name, upper);
    ctx.runtime.logs.get('org.wso2.micro.integrator.management.apis.LoggingResource').info(`user '${req.principal!.user}' set the level of logger ${name === ROOT_CATEGORY ? ROOT : name} to ${upper}`);
    if (typeof loggerClass === 'string') return { message: `Successfully added logger for ('${loggerName}') with level ${upper} for class ${name}` };
    return { message: loggerName === ROOT ? `Successfully updated rootLogger.level to ${upper}` : `Successfully updated logger.${loggerName}.level to ${upper}` };
  });
}
