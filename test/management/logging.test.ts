/**
 * `/management/logging` against the real log4j2-configured logging of a server: a PATCH changes the level
 * of a live logger, which shows in the log file a mediation writes to.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type Server } from '../../src/main.js';
import { SYN, startTestServer } from '../helpers/server.js';
import { USERS_TOML, VIEWER, login, mgmt } from './client.js';

const LOG4J2 = `
appenders = FILE
appender.FILE.type = File
appender.FILE.name = FILE
appender.FILE.fileName = \${sys:logfiles.home}/test.log
appender.FILE.layout.type = PatternLayout
appender.FILE.layout.pattern = %p %c %m%n
loggers = LogMediator
logger.LogMediator.name = org.apache.synapse.mediators.builtin.LogMediator
logger.LogMediator.level = INFO
rootLogger.level = INFO
rootLogger.appenderRef.FILE.ref = FILE
`;

const API = `<api ${SYN} name="Chatty" context="/chatty"><resource methods="GET"><inSequence>
  <log level="custom" category="DEBUG"><property name="note" value="debug-line"/></log>
  <log level="custom"><property name="note" value="info-line"/></log>
  <respond/></inSequence></resource></api>`;

async function fileContains(file: string, text: string, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (existsSync(file) && readFileSync(file, 'utf8').includes(text)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('management API log levels', function () {
  this.timeout(30_000);
  let home: string;
  let s: Server;
  let token: string;
  let logFile: string;
  before(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-mgt-log-'));
    mkdirSync(path.join(home, 'deployment'), { recursive: true });
    mkdirSync(path.join(home, 'synapse-configs', 'default', 'api'), { recursive: true });
    writeFileSync(path.join(home, 'deployment', 'deployment.toml'), '[server]\nhot_deployment = false\n' + USERS_TOML);
    writeFileSync(path.join(home, 'deployment', 'log4j2.properties'), LOG4J2);
    writeFileSync(path.join(home, 'synapse-configs', 'default', 'api', 'Chatty.xml'), API);
    logFile = path.join(home, 'logs', 'test.log');
    s = await startServer({ home, httpPort: 0, managementPort: 0, host: '127.0.0.1' });
    token = await login(s);
  });
  after(async () => {
    await s?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('GET ?loggerName= answers the level of a logger named by its id in log4j2.properties', async () => {
    const r = await mgmt(s, '/logging?loggerName=LogMediator', { token });
    assert.deepEqual(r.body, { loggerName: 'LogMediator', level: 'INFO', componentName: 'org.apache.synapse.mediators.builtin.LogMediator' });
    const all = await mgmt(s, '/logging', { token });
    assert.deepEqual(all.body.list.map((l: { loggerName: string }) => l.loggerName), ['rootLogger', 'LogMediator']);
  });

  it('PATCH sets the level now: DEBUG lines of the log mediator start reaching the file', async () => {
    await fetch(`http://127.0.0.1:${s.httpPort}/chatty`);
    assert.ok(await fileContains(logFile, 'info-line'));
    assert.ok(!readFileSync(logFile, 'utf8').includes('debug-line'), 'DEBUG is off at INFO');

    const r = await mgmt(s, '/logging', { token, method: 'PATCH', body: { loggerName: 'LogMediator', loggingLevel: 'DEBUG' } });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { message: 'Successfully updated logger.LogMediator.level to DEBUG' });
    assert.equal((await mgmt(s, '/logging?loggerName=LogMediator', { token })).body.level, 'DEBUG');

    await fetch(`http://127.0.0.1:${s.httpPort}/chatty`);
    assert.ok(await fileContains(logFile, 'debug-line'), 'DEBUG line written after the change');
    assert.match(readFileSync(logFile, 'utf8'), /INFO org\.wso2\.micro\.integrator\.management\.apis\.LoggingResource user 'admin' set the level of logger org\.apache\.synapse\.mediators\.builtin\.LogMediator to DEBUG/);
  });

  it('PATCH needs the admin role: a logged-in user without it gets 403 and the level stays; GET stays open to them', async () => {
    const viewer = await login(s, VIEWER);
    const r = await mgmt(s, '/logging', { token: viewer, method: 'PATCH', body: { loggerName: 'rootLogger', loggingLevel: 'TRACE' } });
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, { Error: "user 'viewer' does not have the admin role this resource needs", code: 'MI_MGT_002' });
    const withClass = await mgmt(s, '/logging', { token: viewer, method: 'PATCH', body: { loggerName: 'x', loggingLevel: 'TRACE', loggerClass: 'org.apache.synapse.rest.API' } });
    assert.equal(withClass.status, 403);
    const root = await mgmt(s, '/logging?loggerName=rootLogger', { token: viewer });
    assert.equal(root.status, 200, 'reading levels needs no admin role');
    assert.notEqual(root.body.level, 'TRACE');
    assert.doesNotMatch(readFileSync(logFile, 'utf8'), /user 'viewer' set the level/);
    const admin = await mgmt(s, '/logging', { token, method: 'PATCH', body: { loggerName: 'rootLogger', loggingLevel: 'INFO' } });
    assert.equal(admin.status, 200, 'an admin still can');
  });

  it('a logger name with loggerClass works too, and a bad level is 400', async () => {
    const r = await mgmt(s, '/logging', { token, method: 'PATCH', body: { loggerName: 'synapse-api', loggingLevel: 'warn', loggerClass: 'org.apache.synapse.rest.API' } });
    assert.equal(r.status, 200);
    assert.match(r.body.message, /Successfully added logger for \('synapse-api'\) with level WARN for class org\.apache\.synapse\.rest\.API/);
    assert.equal((await mgmt(s, '/logging?loggerName=org.apache.synapse.rest.API', { token })).body.level, 'WARN');
    const root = await mgmt(s, '/logging', { token, method: 'PATCH', body: { loggerName: 'rootLogger', loggingLevel: 'ERROR' } });
    assert.deepEqual(root.body, { message: 'Successfully updated rootLogger.level to ERROR' });
    assert.equal((await mgmt(s, '/logging?loggerName=rootLogger', { token })).body.level, 'ERROR');
    const bad = await mgmt(s, '/logging', { token, method: 'PATCH', body: { loggerName: 'LogMediator', loggingLevel: 'LOUD' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'MI_MGT_006');
    assert.match(bad.body.Error, /TRACE, DEBUG, INFO/);
  });
});

describe('management API log levels without log4j2 logging', () => {
  it('answers 409 with MI_MGT_013 when the server logs elsewhere (in memory)', async () => {
    const s = await startTestServer({}, '[server]\nhot_deployment = false\n' + USERS_TOML);
    try {
      const r = await mgmt(s, '/logging', { token: await login(s), method: 'PATCH', body: { loggerName: 'rootLogger', loggingLevel: 'DEBUG' } });
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'MI_MGT_013');
    } finally {
      await s.close();
    }
  });
});
