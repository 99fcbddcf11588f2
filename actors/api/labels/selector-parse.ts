/**
 * labels.Parse: a hand-written port of apimachinery's lexer and recursive-descent parser for the
 * string form (`app=web,tier!=cache`, `env in (a,b)`, `!canary`, `k>1`). Parse results are
 * values, never exceptions: a bad selector comes back as `{ error }` carrying the apiserver's
 * text, which it answers as a 400 BadRequest.
 */

import { causeText, invalid } from '../field-errors.ts';
import { isQualifiedName } from './names.ts';
import { newRequirement, sortRequirements, sortedUnique, type Operator, type Requirement, type Selector, type SelectorError } from './selector.ts';

type Token =
  | 'error'
  | 'end'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'identifier'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '(';

const KEYWORDS: Readonly<Record<string, Token>> = {
  ')': ')',
  ',': ',',
  '!': '!',
  '==': '==',
  '=': '=',
  '>': '>',
  in: 'in',
  '<': '<',
  '!=': '!=',
  notin: 'notin',
  '(': '(',
};

interface Scanned {
  tok: Token;
  lit: string;
}

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string): boolean => '=!(),><'.includes(ch);

function lex(text: string): Scanned[] {
  const items: Scanned[] = [];
  let pos = 0;
  // Go reads bytes and stops at a NUL byte; a JS string is scanned by UTF-16 unit, the same for ASCII.
  const read = (): string => (pos < text.length ? text[pos++]! : '\0');
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === '\0') {
      items.push({ tok: 'end', lit: '' });
      return items;
    }
    if (isSpecial(ch)) {
      // Longest run of special characters that still forms a known token.
      let buffer = ch;
      let last: Scanned | undefined = KEYWORDS[buffer] ? { tok: KEYWORDS[buffer]!, lit: buffer } : undefined;
      for (;;) {
        const next = read();
        if (next === '\0') break;
        if (!isSpecial(next)) {
          pos--;
          break;
        }
        buffer += next;
        if (KEYWORDS[buffer]) last = { tok: KEYWORDS[buffer]!, lit: buffer };
        else if (last) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buffer}'` });
      continue;
    }
    let word = ch;
    for (;;) {
      const next = read();
      if (next === '\0') break;
      if (isSpecial(next) || isWhitespace(next)) {
        pos--;
        break;
      }
      word += next;
    }
    const keyword = KEYWORDS[word];
    items.push({ tok: keyword ?? 'identifier', lit: word });
  }
}

type Context = 'keyAndOperator' | 'values';

class Parser {
  private position = 0;
  constructor(private readonly items: Scanned[]) {}

  /** In a values context the keywords `in` and `notin` are plain identifiers. */
  private view(item: Scanned, context: Context): Scanned {
    if (context === 'values' && (item.tok === 'in' || item.tok === 'notin')) return { tok: 'identifier', lit: item.lit };
    return item;
  }

  lookahead(context: Context): Scanned {
    return this.view(this.items[this.position]!, context);
  }

  consume(context: Context): Scanned {
    const item = this.items[this.position]!;
    if (this.position < this.items.length - 1) this.position++;
    return this.view(item, context);
  }

  parse(): Requirement[] | SelectorError {
    const requirements: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead('values');
      if (tok === 'identifier' || tok === '!') {
        const r = this.parseRequirement();
        if ('error' in r) return { error: `unable to parse requirement: ${r.error}` };
        requirements.push(r);
        const after = this.consume('values');
        if (after.tok === 'end') return requirements;
        if (after.tok === ',') {
          const next = this.lookahead('values');
          if (next.tok !== 'identifier' && next.tok !== '!') return { error: `found '${next.lit}', expected: identifier after ','` };
          continue;
        }
        return { error: `found '${after.lit}', expected: ',' or 'end of string'` };
      }
      if (tok === 'end') return requirements;
      return { error: `found '${lit}', expected: !, identifier, or 'end of string'` };
    }
  }

  private parseRequirement(): Requirement | SelectorError {
    const keyAndOp = this.parseKeyAndInferOperator();
    if ('error' in keyAndOp) return keyAndOp;
    const { key } = keyAndOp;
    if (keyAndOp.operator === 'exists' || keyAndOp.operator === '!') return newRequirement(key, keyAndOp.operator, []);
    const operator = this.parseOperator();
    if (typeof operator !== 'string') return operator;
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    if (!Array.isArray(values)) return values as SelectorError;
    return newRequirement(key, operator, sortedUnique(values));
  }

  private parseKeyAndInferOperator(): { key: string; operator: Operator | undefined } | SelectorError {
    let operator: Operator | undefined;
    let item = this.consume('values');
    if (item.tok === '!') {
      operator = '!';
      item = this.consume('values');
    }
    if (item.tok !== 'identifier') return { error: `found '${item.lit}', expected: identifier` };
    const keyErrs = isQualifiedName(item.lit);
    // The parser validates the key with a nil field path, which prints as "<nil>".
    if (keyErrs.length > 0) return { error: causeText(invalid('<nil>', item.lit, keyErrs.join('; '))) };
    const next = this.lookahead('values').tok;
    if ((next === 'end' || next === ',') && operator !== '!') operator = 'exists';
    return { key: item.lit, operator };
  }

  private parseOperator(): Operator | SelectorError {
    const { tok, lit } = this.consume('keyAndOperator');
    switch (tok) {
      case 'in': return 'in';
      case '=': return '=';
      case '==': return '==';
      case '>': return 'gt';
      case '<': return 'lt';
      case 'notin': return 'notin';
      case '!=': return '!=';
      default: return { error: `found '${lit}', expected: in, notin, =, ==, !=, gt, lt` };
    }
  }

  private parseValues(): string[] | SelectorError {
    const open = this.consume('values');
    if (open.tok !== '(') return { error: `found '${open.lit}' expected: '('` };
    const { tok, lit } = this.lookahead('values');
    if (tok === 'identifier' || tok === ',') {
      const values = this.parseIdentifiersList();
      if (!Array.isArray(values)) return values;
      // Go reports the literal it looked ahead at before the list, not the one it just read.
      if (this.consume('values').tok !== ')') return { error: `found '${lit}', expected: ')'` };
      return values;
    }
    if (tok === ')') {
      this.consume('values');
      return [''];
    }
    return { error: `found '${lit}', expected: ',', ')' or identifier` };
  }

  private parseIdentifiersList(): string[] | SelectorError {
    const values = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume('values');
      if (tok === 'identifier') {
        values.add(lit);
        const next = this.lookahead('values');
        if (next.tok === ',') continue;
        if (next.tok === ')') return [...values];
        return { error: `found '${next.lit}', expected: ',' or ')'` };
      }
      if (tok === ',') {
        if (values.size === 0) values.add(''); // "(," starts with an empty value
        const next = this.lookahead('values').tok;
        if (next === ')') {
          values.add(''); // ",)" ends with one
          return [...values];
        }
        if (next === ',') values.add(''); // ",," holds one
        continue;
      }
      return { error: `found '${lit}', expected: ',', or identifier` };
    }
  }

  private parseExactValue(): string[] | SelectorError {
    const next = this.lookahead('values').tok;
    if (next === 'end' || next === ',') return [''];
    const { tok, lit } = this.consume('values');
    if (tok === 'identifier') return [lit];
    return { error: `found '${lit}', expected: identifier` };
  }
}

/**
 * labels.Parse: `app=web,tier!=cache`, `env in (a,b)`, `env notin (a)`, `key`, `!key`,
 * `k==v`, `k>1`, `k<1`. An empty (or blank) string selects everything.
 */
export function parseSelector(text: string): Selector | SelectorError {
  const result = new Parser(lex(text)).parse();
  if ('error' in result) return result;
  return { type: 'requirements', requirements: sortRequirements(result) };
}
