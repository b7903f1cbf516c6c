/**
 * One isolated node:vm context per script mediator, built and compiled at deploy time. The script sees the
 * JavaScript built-ins and `mc` only: no require, process, timers, file system or network. Everything that
 * crosses into the context is a primitive or an object made inside it, so no host object (whose
 * constructor chain would lead back to the host's Function and `process`) is ever reachable; the global
 * has a null prototype for the same reason.
 *
 * Per message the context is reused, not rebuilt (a fresh context costs about 5 ms, a call about 2 us):
 * the code runs inside a function, so its `var`, `let` and `function` declarations live and die with the
 * call, and globals it creates by plain assignment are deleted afterwards. The run has a time limit (vm
 * `timeout`, which interrupts a loop that never ends).
 */
import vm from 'node:vm';
import { types } from 'node:util';

/** Thrown (as a string, a primitive carries no host constructor) by the host to fail an mc call. */
const HOST_FAILURE = '\u0000mi-host-failure\u0000';

/** The host side of `mc`: receives an operation and primitive arguments, returns a primitive. */
export type HostCall = (op: string, a?: unknown, b?: unknown, c?: unknown) => string | number | boolean | null | undefined;

export interface ScriptRun {
  /** The value the script returned (inline: its completion value; keyed: the function's result). */
  value: unknown;
}

export class ScriptTimeoutError extends Error {}
export class ScriptFailure extends Error {}

/**
 * The `mc` object, built inside the context. Methods returning Java objects in Micro Integrator (the
 * configuration, sequences, endpoints, the fault stack, Axiom helpers) throw a clear error instead.
 */
const MC_FACTORY = `(function (host, FAIL) {
  'use strict';
  function call(op, a, b, c) {
    var r;
    try { r = host(op, a, b, c); } catch (e) {
      if (typeof e === 'string' && e.indexOf(FAIL) === 0) throw new Error(e.slice(FAIL.length));
      throw new Error(String(e));
    }
    return r;
  }
  function text(v) {
    if (v === null || v === undefined) return v;
    if (typeof v === 'object' || typeof v === 'function') return typeof v.toXMLString === 'function' ? v.toXMLString() : String(v);
    return String(v);
  }
  function plain(v) {
    if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }
  function refused(name) {
    return function () { throw new Error('mc.' + name + '() is not supported by this runtime: in Micro Integrator it hands out a Java object'); };
  }
  var REFUSED = ['getConfiguration', 'setConfiguration', 'getEnvironment', 'setEnvironment', 'getContextEntries',
    'setContextEntries', 'getSequence', 'getSequenceTemplate', 'getMainSequence', 'getFaultSequence', 'getEndpoint',
    'getFormat', 'getDefaultConfiguration', 'getFaultStack', 'pushFaultHandler', 'pushContinuationState',
    'getContinuationStateStack', 'setEnvelope', 'getXpathResult', 'parseXml', 'getParsedOMElement', 'getRelatesTo',
    'setRelatesTo', 'setFaultTo', 'getFaultTo', 'setFrom', 'getFrom', 'setReplyTo', 'getReplyTo',
    'setJsonObject', 'jsonObject', 'setJsonText', 'setScriptEngine', 'getMessageString', 'setDoingMTOM', 'setDoingSWA',
    'setDoingPOX', 'setDoingGET', 'setResponse', 'setFaultResponse'];
  function logAt(level) { return function (m) { call('log', level, text(m)); }; }
  var log = Object.freeze({ trace: logAt('TRACE'), debug: logAt('DEBUG'), info: logAt('INFO'), warn: logAt('WARN'),
    error: logAt('ERROR'), fatal: logAt('FATAL'),
    isDebugEnabled: function () { return call('logEnabled', 'DEBUG'); }, isTraceEnabled: function () { return call('logEnabled', 'TRACE'); },
    isInfoEnabled: function () { return call('logEnabled', 'INFO'); } });
  return function makeMc() {
    var mc = {
      getPayloadXML: function () { return call('getPayloadXML'); },
      setPayloadXML: function (xml) { call('setPayloadXML', text(xml)); },
      getPayloadJSON: function () { var t = call('getPayloadJSON'); return t === null || t === undefined ? t : JSON.parse(t); },
      setPayloadJSON: function (v) { call('setPayloadJSON', typeof v === 'string' ? v : JSON.stringify(v === undefined ? null : v)); },
      getJsonText: function () { return call('getJsonText'); },
      getPayloadText: function () { return call('getPayloadText'); },
      getEnvelopeXML: function () { return call('getEnvelopeXML'); },
      getEnvelope: function () { return call('getEnvelopeXML'); },
      addHeader: function (mustUnderstand, xml) { call('addHeader', !!mustUnderstand, text(xml)); },
      getProperty: function (name, scope) { return call('getProperty', String(name), scope === undefined ? undefined : String(scope)); },
      setProperty: function (name, value, scope) { call('setProperty', String(name), plain(value), scope === undefined || scope === null ? undefined : String(scope)); },
      removeProperty: function (name, scope) { call('removeProperty', String(name), scope === undefined || scope === null ? undefined : String(scope)); },
      getPropertyKeySet: function () { return JSON.parse(call('getPropertyKeySet')); },
      getEntry: function (key) { return call('getEntry', String(key)); },
      getLocalEntry: function (key) { return call('getEntry', String(key)); },
      setTo: function (uri) { call('setTo', String(uri)); },
      getTo: function () { return call('getTo'); },
      getMessageID: function () { return call('getMessageID'); },
      setMessageID: function (id) { call('setMessageID', String(id)); },
      getWSAMessageID: function () { return call('getMessageID'); },
      setWSAMessageID: function (id) { call('setMessageID', String(id)); },
      getSoapAction: function () { return call('getSoapAction'); },
      setSoapAction: function (a) { call('setSoapAction', String(a)); },
      getWSAAction: function () { return call('getSoapAction'); },
      setWSAAction: function (a) { call('setSoapAction', String(a)); },
      isSOAP11: function () { return call('isSOAP11'); },
      isResponse: function () { return call('isResponse'); },
      isFaultResponse: function () { return call('isFaultResponse'); },
      isDoingPOX: function () { return call('isDoingPOX'); },
      isDoingGET: function () { return call('isDoingGET'); },
      isDoingMTOM: function () { return false; },
      isDoingSWA: function () { return false; },
      getTracingState: function () { return 0; },
      getMessageFlowTracingState: function () { return 0; },
      isContinuationEnabled: function () { return false; },
      getServiceLog: function () { return log; }
    };
    for (var i = 0; i < REFUSED.length; i++) mc[REFUSED[i]] = refused(REFUSED[i]);
    return mc;
  };
})`;

export class ScriptSandbox {
  private readonly context: vm.Context;
  private readonly entry: vm.Script;
  private readonly baseline: Set<string>;
  private host: HostCall | undefined;
  /** Deletes a global inside the context (a delete from outside leaves the context's own copy). */
  private readonly deleteGlobal: (name: string) => void;

  /**
   * `body` is the code to run per message: for an inline script, its text (run through a direct eval so
   * the completion value is the result, as a JSR-223 engine's eval gives it); for a keyed script, the
   * included sources, the script, then a call of `fn`. Throws a SyntaxError when the code does not compile.
   */
  constructor(body: { inline: string } | { sources: readonly string[]; fn: string }, filename: string) {
    // afterEvaluate: promise callbacks run inside the timed evaluation, not later on the host's queue
    this.context = vm.createContext(Object.create(null), { name: filename, microtaskMode: 'afterEvaluate' });
    const hostFn = (op: string, a?: unknown, b?: unknown, c?: unknown): unknown => {
      try {
        return this.host!(op, a, b, c);
      } catch (err) {
        throw HOST_FAILURE + (err instanceof Error ? err.message : String(err));
      }
    };
    // the host function's prototype is the context's, so `.constructor` leads nowhere outside
    Object.setPrototypeOf(hostFn, vm.runInContext('Function.prototype', this.context) as object);
    const makeMc = (vm.runInContext(MC_FACTORY, this.context) as (h: unknown, f: string) => unknown)(hostFn, HOST_FAILURE);
    let runner: string;
    if ('inline' in body) {
      // compile once now so a syntax error is a deploy error, with the script's own line numbers
      new vm.Script(body.inline, { filename });
      runner = `(function (src, makeMc) { return function () { var mc = makeMc(); return eval(src); }; })`;
      const fn = (vm.runInContext(runner, this.context) as (s: string, m: unknown) => unknown)(body.inline, makeMc);
      this.defineEntry(fn);
    } else {
      const code = `${body.sources.join('\n;\n')}\n;\nreturn typeof ${body.fn} === 'function' ? ${body.fn}(mc) : __missing();`;
      const wrapped = `(function (makeMc, __missing) { return function () { var mc = makeMc(); return (function (mc) {\n${code}\n})(mc); }; })`;
      const missing = vm.runInContext(`(function () { throw new Error('the script defines no function ${body.fn.replace(/'/g, '')}'); })`, this.context);
      const fn = (new vm.Script(wrapped, { filename }).runInContext(this.context) as (m: unknown, x: unknown) => unknown)(makeMc, missing);
      this.defineEntry(fn);
    }
    this.entry = new vm.Script('__run()', { filename });
    this.deleteGlobal = vm.runInContext(`(function (n) { 'use strict'; delete globalThis[n]; })`, this.context) as (name: string) => void;
    this.baseline = new Set(Object.getOwnPropertyNames(this.context));
  }

  private defineEntry(fn: unknown): void {
    Object.defineProperty(this.context, '__run', { value: fn, writable: false, enumerable: false, configurable: false });
  }

  /** Runs the script for one message; `host` answers its mc calls. Synchronous. */
  run(host: HostCall, timeoutMs: number): ScriptRun {
    this.host = host;
    try {
      return { value: this.entry.runInContext(this.context, { timeout: timeoutMs }) };
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new ScriptTimeoutError(`the script ran longer than ${timeoutMs} ms`);
      throw new ScriptFailure(describe(err));
    } finally {
      this.host = undefined;
      this.forgetGlobals();
    }
  }

  /** Globals the script made by assignment (`x = 1` without a declaration) do not reach the next message. */
  private forgetGlobals(): void {
    const names = Object.getOwnPropertyNames(this.context);
    if (names.length === this.baseline.size) return;
    for (const n of names) if (!this.baseline.has(n)) this.deleteGlobal(n);
  }
}

/**
 * The message of what a script threw, read without running any of its code (a getter or toString that
 * loops would run outside the time limit): data properties only.
 */
function describe(err: unknown): string {
  if (typeof err === 'string' || typeof err === 'number' || typeof err === 'boolean') return String(err);
  if (err === null || typeof err !== 'object') return 'the script threw ' + String(typeof err);
  if (types.isProxy(err)) return 'the script threw an object';
  const message = dataProperty(err, 'message');
  const name = dataProperty(err, 'name');
  if (typeof message === 'string') return typeof name === 'string' && name !== 'Error' ? `${name}: ${message}` : message;
  return 'the script threw an object';
}

function dataProperty(o: object, key: string): unknown {
  for (let cur: object | null = o, depth = 0; cur !== null && depth < 8; cur = Object.getPrototypeOf(cur) as object | null, depth++) {
    const d = Object.getOwnPropertyDescriptor(cur, key);
    if (d) return 'value' in d ? d.value : undefined;
  }
  return undefined;
}
