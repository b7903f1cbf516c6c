import assert from 'node:assert/strict';
import { parse } from './helpers.js';

function errors(xml: string): { code: string; line: number; message: string }[] {
  const { ctx } = parse(xml);
  return ctx.diagnostics.filter((d) => d.severity === 'error').map((d) => ({ code: d.code, line: d.line, message: d.message }));
}

describe('endpoint parsing', () => {
  it('reports an unknown child element with its line and the allowed ones', () => {
    const e = errors('<endpoint name="E">\n  <adress uri="http://h/x"/>\n</endpoint>');
    assert.equal(e.length, 1);
    assert.equal(e[0]!.code, 'MI_ART_004');
    assert.equal(e[0]!.line, 2);
    assert.match(e[0]!.message, /<adress> is not allowed in <endpoint> \(allowed: address, http, default, failover, loadbalance/);
  });

  it('reports a missing uri with its line', () => {
    const e = errors('<endpoint name="E">\n\n  <address/>\n</endpoint>');
    assert.deepEqual(
      e.map((x) => [x.code, x.line]),
      [['MI_ART_006', 3]],
    );
  });

  it('reports every broken child of a failover, not only the first', () => {
    const e = errors('<endpoint><failover>\n<endpoint><address/></endpoint>\n<endpoint><bogus/></endpoint>\n</failover></endpoint>');
    assert.deepEqual(
      e.map((x) => [x.code, x.line]),
      [
        ['MI_ART_006', 2],
        ['MI_ART_004', 3],
      ],
    );
  });

  it('rejects wsdl endpoints as unsupported', () => {
    const wsdl = errors('<endpoint><wsdl uri="http://h/x?wsdl" service="S" port="P"/></endpoint>');
    assert.equal(wsdl[0]!.code, 'MI_ART_012');
    assert.equal(wsdl[0]!.message, 'wsdl endpoints are not supported; use an address endpoint');
  });

  it('a template endpoint parses, refers to its template, and needs name and value on each parameter', () => {
    const { ep, ctx } = parse('<endpoint template="T" uri="http://h"><parameter name="x" value="y"/></endpoint>');
    assert.equal(ep?.type, 'template');
    assert.deepEqual(ctx.refs.map((r) => [r.kind, r.key]), [['endpointTemplate', 'T']]);
    assert.equal(errors('<endpoint template="T"><parameter name="x"/></endpoint>')[0]!.code, 'MI_ART_006');
  });

  it('rejects bad values: non-http uri, unknown format, non-numeric durations and error codes', () => {
    assert.equal(errors('<endpoint><address uri="jms:/q"/></endpoint>')[0]!.code, 'MI_ART_012');
    assert.equal(errors('<endpoint><address uri="not a url"/></endpoint>')[0]!.code, 'MI_ART_007');
    assert.equal(errors('<endpoint><address uri="http://h" format="xml"/></endpoint>')[0]!.code, 'MI_ART_007');
    assert.equal(errors('<endpoint><address uri="http://h"><timeout><duration>soon</duration></timeout></address></endpoint>')[0]!.code, 'MI_ART_007');
    assert.equal(errors('<endpoint><address uri="http://h"><suspendOnFailure><errorCodes>101503,x</errorCodes></suspendOnFailure></address></endpoint>')[0]!.code, 'MI_ART_007');
    assert.equal(errors('<endpoint><http uri-template="http://h/{a"/></endpoint>')[0]!.code, 'MI_ART_013');
    assert.equal(errors('<endpoint><http uri-template="http://h" method="fetch"/></endpoint>')[0]!.code, 'MI_ART_007');
  });

  it('needs exactly one endpoint kind', () => {
    assert.match(errors('<endpoint name="E"/>')[0]!.message, /needs one of <address>/);
    assert.match(errors('<endpoint><address uri="http://a"/><http uri-template="http://b"/></endpoint>')[0]!.message, /found a second one/);
  });

  it('warns about unknown attributes without failing', () => {
    const { ep, ctx } = parse('<endpoint name="E"><address uri="http://h" colour="red"/></endpoint>');
    assert.ok(ep);
    assert.equal(ctx.diagnostics[0]!.severity, 'warning');
    assert.equal(ctx.diagnostics[0]!.code, 'MI_ART_005');
  });

  it('the name parameter overrides the name attribute, and the address never shows credentials', () => {
    const { ep } = parse('<endpoint name="Attr"><address uri="http://u:pw@h:1/x"/></endpoint>');
    assert.equal(ep!.name, 'Attr');
    assert.equal(ep!.address, 'http://h:1/x');
  });
});
