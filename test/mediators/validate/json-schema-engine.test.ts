/**
 * The JSON schema engine's words and order for the keywords the HTTP tests do not reach: what Micro
 * Integrator's validator (java-json-tools) reports first, and how it writes it.
 */
import assert from 'node:assert/strict';
import { compileJsonSchema, JsonSchemaCompileError } from '../../../src/mediators/validate/json-schema-engine.js';
import { parseJson } from '../../../src/json/json-number.js';

const first = (schema: unknown, value: unknown): string | undefined => compileJsonSchema(JSON.stringify(schema)).validate(value)?.message;
const detail = (schema: unknown, value: unknown): string | undefined => compileJsonSchema(JSON.stringify(schema)).validate(value)?.detail;

describe('JSON schema engine (ajv, worded as java-json-tools)', () => {
  it('words allOf as one problem, which ajv does not make, with the branch reports', () => {
    const schema = { properties: { a: { allOf: [{ type: 'object', required: ['x'] }, { properties: { y: { type: 'string' } } }, { minProperties: 1 }] } } };
    assert.equal(first(schema, { a: { y: 1 } }), 'instance failed to match all required schemas (matched only 1 out of 3)');
    const d = detail(schema, { a: { y: 1 } })!;
    assert.match(d, /^error: instance failed to match all required schemas \(matched only 1 out of 3\)\n {4}level: "error"\n {4}schema: \{"loadingURI":"#","pointer":"\/properties\/a"\}\n {4}instance: \{"pointer":"\/a"\}\n {4}domain: "validation"\n {4}keyword: "allOf"\n {4}matched: 1\n {4}nrSchemas: 3\n {4}reports: /);
    assert.match(d, /"\/properties\/a\/allOf\/1":\[\{"level":"error","schema":\{"loadingURI":"#","pointer":"\/properties\/a\/allOf\/1\/properties\/y"\},"instance":\{"pointer":"\/a\/y"\},"domain":"validation","keyword":"type","message":"instance type \(integer\) does not match any allowed primitive type \(allowed: \[\\"string\\"\]\)","found":"integer","expected":\["string"\]\}\],"\/properties\/a\/allOf\/2":\[\]/);
  });

  it('counts the branches oneOf matched, and attributes a $ref branch by the path it refers to', () => {
    const schema = { definitions: { n: { type: 'number' }, s: { type: 'string', minLength: 3 } }, oneOf: [{ $ref: '#/definitions/n' }, { $ref: '#/definitions/s' }, { type: 'integer' }] };
    assert.equal(first(schema, 5), 'instance failed to match exactly one schema (matched 2 out of 3)');
    assert.equal(first(schema, 'ab'), 'instance failed to match exactly one schema (matched 0 out of 3)');
    assert.match(detail(schema, 'ab')!, /"\/oneOf\/1":\[\{[^\]]*"keyword":"minLength","message":"string \\"ab\\" is too short \(length: 2, required minimum: 3\)","value":"ab","found":2,"minLength":3\}\]/);
  });

  it('reports property dependencies, additional items, unique items, multipleOf and sizes in fge\'s words', () => {
    assert.equal(first({ dependencies: { a: ['b', 'c'] } }, { a: 1, c: 2 }), 'property "a" of object has missing property dependencies (schema requires ["b","c"]; missing: ["b"])');
    assert.equal(first({ items: [{}], additionalItems: false }, [1, 2, 3]), 'schema only allows 1 elements in array but instance has 3 elements');
    assert.equal(first({ uniqueItems: true }, [1, 1]), 'array must not contain duplicate elements');
    assert.equal(first({ multipleOf: 5 }, 7), 'remainder of division is not zero (7 / 5)');
    assert.equal(first({ maxProperties: 1 }, { a: 1, b: 2 }), 'object has too many properties (found 2 but schema requires at most 1)');
    assert.equal(first({ maxLength: 2 }, 'h\u00e9llo'), 'string "h\u00e9llo" is too long (length: 5, maximum allowed: 2)');
    assert.equal(first({ minimum: 3, exclusiveMinimum: true }, 3), 'numeric instance is not strictly greater than the required minimum 3');
    assert.equal(first({ not: { type: 'string' } }, 'x'), 'instance matched a schema which it should not have');
  });

  it('checks the formats draft 4 knows, and ignores the ones it does not', () => {
    assert.equal(first({ format: 'date-time' }, 'yesterday'), 'string "yesterday" is invalid against requested date format(s) ["yyyy-MM-dd\'T\'HH:mm:ssZ","yyyy-MM-dd\'T\'HH:mm:ss.[0-9]{1,12}Z"]');
    assert.equal(first({ format: 'ipv4' }, '1.2.3'), 'string "1.2.3" is not a valid IPv4 address');
    assert.equal(first({ format: 'uuid' }, 'nope'), undefined);
    assert.equal(first({ $schema: 'http://json-schema.org/draft-07/schema#', format: 'uuid' }, 'nope'), 'string "nope" is not a valid uuid');
  });

  it('takes a later sibling of the first problem, but not what lies under the first problem', () => {
    const schema = { properties: { a: { type: 'object', required: ['z'], properties: { q: { type: 'string' } } }, b: { type: 'string' } } };
    assert.equal(first(schema, { b: 1, a: { q: 1 } }), 'object has missing required properties (["z"])');
    assert.equal(first(schema, { b: 1, a: { q: 1, z: 0 } }), 'instance type (integer) does not match any allowed primitive type (allowed: ["string"])');
    assert.match(detail(schema, { b: 1, a: { q: 1, z: 0 } })!, /instance: \{"pointer":"\/a\/q"\}/);
    // array items by index, members by name as Java orders strings
    assert.match(detail({ items: { type: 'string' } }, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 1, 2])!, /"pointer":"\/10"/);
  });

  it('validates numbers the runtime keeps as their text (JsonNumber), and 6, 7 and 2020-12 by their drafts', () => {
    assert.equal(first({ properties: { p: { maximum: 1 } } }, parseJson('{"p": 1.50}')), 'numeric instance is greater than the required maximum (maximum: 1, found: 1.5)');
    assert.equal(first({ $schema: 'http://json-schema.org/draft-06/schema#', exclusiveMaximum: 5 }, 5), 'numeric instance is not strictly lower than the required maximum 5');
    assert.equal(first({ $schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: [{ type: 'string' }] }, [1]), 'instance type (integer) does not match any allowed primitive type (allowed: ["string"])');
    // a keyword java-json-tools does not have keeps ajv's words
    assert.equal(first({ $schema: 'http://json-schema.org/draft-07/schema#', if: { type: 'string' }, then: { minLength: 2 } }, 'a'), 'must match "then" schema');
    assert.equal(first({ $schema: 'http://json-schema.org/draft-07/schema#', if: { type: 'string' }, then: { minLength: 2 } }, 'ab'), undefined);
  });

  it('keeps two schemas with the same $id apart', () => {
    const a = { $schema: 'http://json-schema.org/draft-07/schema#', $id: 'http://example.com/same.json', type: 'string' };
    const b = { ...a, type: 'number' };
    assert.equal(first(a, 1), 'instance type (integer) does not match any allowed primitive type (allowed: ["string"])');
    assert.equal(first(b, 'x'), 'instance type (string) does not match any allowed primitive type (allowed: ["integer","number"])');
  });

  it('refuses a schema that is not JSON, not valid, or refers to a document it does not hold', () => {
    assert.throws(() => compileJsonSchema('{"type": '), JsonSchemaCompileError);
    assert.throws(() => compileJsonSchema('{"minLength": -1}'), JsonSchemaCompileError);
    assert.throws(() => compileJsonSchema('{"$ref": "http://example.com/other.json"}'), JsonSchemaCompileError);
    // Rhino's regexes: a pattern the `u` flag would refuse compiles
    assert.equal(first({ pattern: '^[\\w\\-]+$' }, 'a b'), 'ECMA 262 regex "^[\\w\\-]+$" does not match input string "a b"');
  });
});
