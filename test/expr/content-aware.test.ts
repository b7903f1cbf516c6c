import assert from 'node:assert/strict';
import { compileExpression } from '../../src/expr/expression.js';

/** Content-aware expressions make the runtime read the body first; the others must leave it unread. */
describe('expression content-awareness', () => {
  const cases: [string, boolean][] = [
    ["fn:concat(get-property('a'), 'b', $ctx:c)", false],
    ["wso2:vault-lookup('alias', 'ENV', 'false')", false],
    ["base64Encode($trp:Authorization)", false],
    ["string-length(get-property('x')) > 3", false],
    ['$axis2:HTTP_SC', false],
    ['//order[1]/symbol', true],
    ['count($body/*)', true],
    ["concat(//a, 'x')", true],
    ['$header', true],
    ['json-eval($.a)', true],
  ];
  for (const [src, aware] of cases) {
    it(`${src} is ${aware ? '' : 'not '}content-aware`, () => {
      assert.equal(compileExpression(src, { m: 'urn:m' }).contentAware, aware);
    });
  }
});
