import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  goQuote,
  isQualifiedName,
  isSelectorError,
  isValidLabelValue,
  matches,
  parseSelector,
  requiresExactMatch,
  selectorFromLabelSelector,
  selectorFromSet,
  selectorToString,
  validateLabelSelector,
  validateLabels,
} from '../../actors/api/labels.ts';
import { byteLength } from '../../actors/api/labels/names.ts';
import type { Selector, SelectorError } from '../../actors/api/labels.ts';
import { selectorProblem as loaderSelectorProblem } from '../../cli/loader/labels.ts';

function ok(result: Selector | SelectorError): Selector {
  if (isSelectorError(result)) assert.fail(`unexpected error: ${result.error}`);
  return result;
}

function err(result: Selector | SelectorError): string {
  if (!isSelectorError(result)) assert.fail(`expected an error, got ${selectorToString(result)}`);
  return result.error;
}

const web = { app: 'web', tier: 'frontend', env: 'prod' };

test('equality, double equality and inequality', () => {
  const s = ok(parseSelector('app=web,tier!=cache'));
  assert.deepEqual(s, {
    type: 'requirements',
    requirements: [
      { key: 'app', operator: '=', values: ['web'] },
      { key: 'tier', operator: '!=', values: ['cache'] },
    ],
  });
  assert.equal(matches(s, web), true);
  assert.equal(matches(s, { app: 'web', tier: 'cache' }), false);
  // != also holds when the label is missing.
  assert.equal(matches(s, { app: 'web' }), true);
  assert.equal(matches(ok(parseSelector('app==web')), web), true);
  assert.equal(matches(ok(parseSelector('app==db')), web), false);
  assert.equal(selectorToString(ok(parseSelector('app==web'))), 'app==web', '== keeps its spelling');
});

test('in and notin: notin matches a missing key, in does not', () => {
  const inSel = ok(parseSelector('env in (prod, staging)'));
  assert.equal(selectorToString(inSel), 'env in (prod,staging)');
  assert.equal(matches(inSel, web), true);
  assert.equal(matches(inSel, { env: 'dev' }), false);
  assert.equal(matches(inSel, {}), false);
  const notIn = ok(parseSelector('env notin (dev)'));
  assert.equal(matches(notIn, web), true);
  assert.equal(matches(notIn, { env: 'dev' }), false);
  assert.equal(matches(notIn, {}), true);
});

test('exists and does-not-exist', () => {
  assert.equal(matches(ok(parseSelector('tier')), web), true);
  assert.equal(matches(ok(parseSelector('tier')), { tier: '' }), true, 'an empty value still exists');
  assert.equal(matches(ok(parseSelector('tier')), {}), false);
  assert.equal(matches(ok(parseSelector('!tier')), web), false);
  assert.equal(matches(ok(parseSelector('!tier')), { app: 'x' }), true);
  assert.deepEqual(ok(parseSelector('!tier')), { type: 'requirements', requirements: [{ key: 'tier', operator: '!', values: [] }] });
});

test('gt and lt compare as integers, never as strings', () => {
  const gt = ok(parseSelector('replicas>9'));
  assert.equal(matches(gt, { replicas: '10' }), true, '"10" > "9" fails as strings but holds as numbers');
  assert.equal(matches(gt, { replicas: '9' }), false);
  assert.equal(matches(gt, { replicas: 'ten' }), false);
  assert.equal(matches(ok(parseSelector('replicas<10')), { replicas: '9' }), true);
  assert.equal(err(parseSelector('a>x')), `unable to parse requirement: values[0]: Invalid value: "x": for 'Gt', 'Lt' operators, the value must be an integer`);
});

test('empty values, duplicate values and keywords used as names', () => {
  const s = ok(parseSelector('x in (foo,,baz),y,z notin ()'));
  assert.equal(selectorToString(s), 'x in (,baz,foo),y,z notin ()');
  assert.equal(matches(s, { x: '', y: '1' }), true, '",," is the empty value');
  assert.equal(matches(ok(parseSelector('a=')), { a: '' }), true);
  assert.equal(matches(ok(parseSelector('a=')), {}), false);
  // "in" is a keyword only where an operator is expected.
  assert.equal(matches(ok(parseSelector('in in (in)')), { in: 'in' }), true);
  assert.equal(selectorToString(ok(parseSelector('b=2, a = 1 '))), 'a=1,b=2', 'whitespace is ignored and keys sort');
});

test('empty and blank strings select everything; a nil LabelSelector selects nothing', () => {
  assert.equal(matches(ok(parseSelector('')), {}), true);
  assert.equal(matches(ok(parseSelector(' \t ')), web), true);
  assert.equal(matches(ok(selectorFromLabelSelector({})), web), true);
  assert.equal(matches(ok(selectorFromLabelSelector(undefined)), web), false);
  assert.equal(matches(ok(selectorFromLabelSelector(null)), {}), false);
});

test('parse errors carry the apiserver text', () => {
  assert.equal(err(parseSelector('a b')), 'unable to parse requirement: found \'b\', expected: in, notin, =, ==, !=, gt, lt');
  assert.equal(err(parseSelector('a=b=c')), "found '=', expected: ',' or 'end of string'");
  assert.equal(err(parseSelector('!a=b')), "found '=', expected: ',' or 'end of string'");
  assert.equal(err(parseSelector('a in b')), "unable to parse requirement: found 'b' expected: '('");
  assert.equal(err(parseSelector('a in (b')), "unable to parse requirement: found '', expected: ',' or ')'");
  assert.equal(err(parseSelector('a in (b c)')), "unable to parse requirement: found 'c', expected: ',' or ')'");
  assert.equal(err(parseSelector('a,')), "found '', expected: identifier after ','");
  assert.equal(err(parseSelector(',a')), "found ',', expected: !, identifier, or 'end of string'");
  assert.equal(err(parseSelector('a=(')), "unable to parse requirement: found '(', expected: identifier");
});

test('an invalid key is reported at the nil path Go uses, an invalid value at values[i][key]', () => {
  assert.equal(
    err(parseSelector('Ab_=x')),
    `unable to parse requirement: <nil>: Invalid value: "Ab_": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
  );
  assert.match(err(parseSelector('app=-web')), /^unable to parse requirement: values\[0\]\[app\]: Invalid value: "-web": a valid label must be an empty string/);
});

test('structured selectors: matchLabels and every expression operator', () => {
  const s = ok(
    selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'staging'] },
        { key: 'tier', operator: 'NotIn', values: ['cache'] },
        { key: 'team', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    }),
  );
  assert.equal(selectorToString(s), 'app=web,env in (prod,staging),!legacy,team,tier notin (cache)');
  assert.equal(matches(s, { app: 'web', env: 'prod', team: 'a' }), true);
  assert.equal(matches(s, { app: 'web', env: 'prod', team: 'a', legacy: 'y' }), false);
  assert.equal(matches(s, { app: 'web', env: 'prod' }), false);
  assert.equal(matches(s, { app: 'web', env: 'prod', team: 'a', tier: 'cache' }), false);
  assert.equal(err(selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] })), '"Equals" is not a valid label selector operator');
  assert.equal(
    err(selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })),
    "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
  );
  assert.equal(
    err(selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })),
    'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
  );
});

test('selectorFromSet and requiresExactMatch', () => {
  const s = selectorFromSet({ b: '2', a: '1' });
  assert.equal(selectorToString(s), 'a=1,b=2');
  assert.equal(requiresExactMatch(s, 'b'), '2');
  assert.equal(requiresExactMatch(ok(parseSelector('a in (x)')), 'a'), 'x');
  assert.equal(requiresExactMatch(ok(parseSelector('a in (x,y)')), 'a'), undefined);
  assert.equal(requiresExactMatch(ok(parseSelector('a!=x')), 'a'), undefined);
});

test('label key and value validation texts', () => {
  assert.deepEqual(isQualifiedName('example.com/app'), []);
  assert.deepEqual(isQualifiedName('/app'), ['prefix part must be non-empty']);
  assert.deepEqual(isQualifiedName('a'.repeat(64)).slice(0, 1), ['name part must be no more than 63 bytes']);
  assert.match(isQualifiedName('Example.com/app')[0]!, /^prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters/);
  assert.equal(
    isQualifiedName('a/b/c')[0],
    "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
  );
  assert.deepEqual(isValidLabelValue(''), []);
  assert.deepEqual(isValidLabelValue('a_b.c-d'), []);
  assert.deepEqual(isValidLabelValue('x'.repeat(64)).slice(0, 1), ['must be no more than 63 bytes']);
  assert.equal(isValidLabelValue('a b').length, 1);
});

test('validateLabels and validateLabelSelector report field paths in sorted key order', () => {
  const causes = validateLabels({ 'z_': 'ok', 'good': 'bad value' }, 'metadata.labels');
  assert.deepEqual(
    causes.map((c) => c.field),
    ['metadata.labels', 'metadata.labels'],
  );
  assert.match(causes[0]!.message, /^Invalid value: "bad value": a valid label must be/);
  assert.match(causes[1]!.message, /^Invalid value: "z_": name part must consist/);
  const sel = validateLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Bogus' }] }, 'spec.selector');
  assert.deepEqual(sel, [
    { field: 'spec.selector.matchExpressions[0].values', reason: 'FieldValueRequired', message: "Required value: must be specified when `operator` is 'In' or 'NotIn'" },
    { field: 'spec.selector.matchExpressions[1].operator', reason: 'FieldValueInvalid', message: 'Invalid value: "Bogus": not a valid selector operator' },
  ]);
});

test('goQuote escapes like Go %q, not like JSON', () => {
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('\u0001'), '"\\x01"');
  assert.equal(goQuote('\n'), '"\\n"');
});

test('the scenario loader checks selectors with the apiserver’s parser: same verdicts, same reasons', { timeout: 5_000 }, () => {
  for (const selector of ['x in ()', 'a>1', 'b<5', 'env in (a,,b)', 'app', '!canary', 'a=', '', 'app=web,,x', 'a=-x', 'env in a', 'x in (a']) {
    const parsed = parseSelector(selector);
    assert.equal(loaderSelectorProblem(selector), isSelectorError(parsed) ? parsed.error : undefined, selector);
  }
  assert.equal(loaderSelectorProblem('x in ()'), undefined);
  assert.equal(loaderSelectorProblem('a>1'), undefined);
});

test('byteLength counts UTF-8 bytes as Go does, a lone surrogate as the 3 bytes of U+FFFD (as TextEncoder)', () => {
  const samples = ['', 'abc', 'é', '€', '😀', '\ud800', 'a\udc00b', '😀\ud800', 'x'.repeat(254)];
  for (const s of samples) assert.equal(byteLength(s), new TextEncoder().encode(s).length, JSON.stringify(s));
  assert.equal(byteLength('日本'), 6);
});
