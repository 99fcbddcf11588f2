/**
 * Walking a parsed YAML document with positions: the problem collector (Ctx), located values
 * (Val), map opening against the schema table (openMap) and typed readers that report what was
 * expected and how to fix it. Readers return `undefined` exactly when they reported a problem.
 */

import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { SourceRef } from '../../actors/scenario/spec.ts';
import { DURATION_FORMS, formatDuration, parseDuration } from './durations.ts';
import { MAX_REPORTED_PROBLEMS, ScenarioError, problemText, type ScenarioProblem } from './errors.ts';
import type { Shape } from './schema.ts';
import { aliasTarget } from './yaml-read.ts';

/** A value in the file: its node (aliases resolved), its field path, and what a good one looks like. */
export interface Val {
  node: Node;
  /** Field path from the document root, kubectl style: `spec.timeline[3].crash`. */
  path: string;
  /** The last path segment: a key (`crash`) or an index (`[3]`). */
  name: string;
  /** The key node in the parent map, if any: where "missing field" problems point. */
  key?: Node;
  /** An example value for this field, from the schema table. */
  example?: string;
}

interface Pending {
  offset: number;
  order: number;
  message: string;
  /** A problem in another file (a manifest): where it is there. `offset` is the referencing node's, for ordering. */
  at?: { file: string; line: number; column: number };
}

export class Ctx {
  private readonly pending: Pending[] = [];

  constructor(
    readonly file: string,
    readonly text: string,
    readonly doc: Document,
    readonly lines: LineCounter,
  ) {}

  get problemCount(): number {
    return this.pending.length;
  }

  /** Records a problem at `node` (or the document start). */
  report(node: Node | undefined, what: string, expected?: string, fix?: string): undefined {
    this.reportAt(offsetOf(node), problemText(what, expected, fix));
    return undefined;
  }

  reportAt(offset: number, message: string): void {
    this.pending.push({ offset, order: this.pending.length, message });
  }

  /**
   * Records a problem in another file (a manifest the scenario references) at its own
   * file:line:column; it is sorted with the scenario's problems at the position of `anchor`, the
   * scenario node that references the file.
   */
  reportIn(at: { file: string; line: number; column: number }, anchor: Node | undefined, what: string, expected?: string, fix?: string): undefined {
    this.pending.push({ offset: offsetOf(anchor), order: this.pending.length, message: problemText(what, expected, fix), at });
    return undefined;
  }

  position(node: Node | undefined): { line: number; column: number } {
    const pos = this.lines.linePos(offsetOf(node));
    return { line: pos.line, column: pos.col };
  }

  source(node: Node | undefined): SourceRef {
    return { file: this.file, ...this.position(node) };
  }

  /** The source text of a node, as written. */
  sourceText(node: Node): string {
    const range = node.range;
    return range ? this.text.slice(range[0], range[1]) : '';
  }

  /** Resolves an alias to its anchored node; reports a dangling one. */
  deref(node: Node): Node | undefined {
    if (!isAlias(node)) return node;
    const target = aliasTarget(this.doc, node);
    if (target === undefined) {
      return this.report(node, `unknown alias "*${node.source}"`, 'no anchor with that name before it', `define &${node.source} before using it`);
    }
    return target;
  }

  /** Throws the collected problems, sorted by position, if there are any. */
  throwIfProblems(): void {
    if (this.pending.length === 0) return;
    const sorted = [...this.pending].sort((a, b) => a.offset - b.offset || a.order - b.order);
    const seen = new Set<string>();
    const unique: ScenarioProblem[] = [];
    for (const p of sorted) {
      const pos = this.lines.linePos(p.offset);
      const where = p.at ?? { file: this.file, line: pos.line, column: pos.col };
      const key = `${where.file}\u0000${where.line}:${where.column}\u0000${p.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      unique.push({ ...where, message: p.message });
    }
    throw new ScenarioError(unique.slice(0, MAX_REPORTED_PROBLEMS), Math.max(0, unique.length - MAX_REPORTED_PROBLEMS));
  }
}

function offsetOf(node: Node | undefined): number {
  return node?.range?.[0] ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Maps

/** The known, non-empty fields of a map that passed openMap. */
export class Fields {
  constructor(
    readonly self: Val,
    private readonly values: ReadonlyMap<string, Val>,
  ) {}

  get(key: string): Val | undefined {
    return this.values.get(key);
  }

  has(key: string): boolean {
    return this.values.has(key);
  }
}

/**
 * Checks that `v` is a map whose keys are all in `shape`, that required keys are there, that the
 * shape's constraints hold, and that no value is empty. Reports every violation; returns the
 * fields (even when some were bad, so that their values are still checked), or undefined when
 * `v` is not a map at all.
 */
export function openMap(cx: Ctx, v: Val, shape: Shape, what = 'a map'): Fields | undefined {
  const node = v.node;
  if (!isMap(node)) {
    wrongType(cx, v, what);
    return undefined;
  }
  const allowed = Object.keys(shape.keys);
  const values = new Map<string, Val>();
  const present = new Set<string>();
  const guessed = new Set<string>(); // keys suggested for unknown ones: not also reported missing
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    const keyName = keyNode && isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof keyName !== 'string') {
      const shown = keyNode && isScalar(keyNode) ? String(keyNode.value) : keyNode ? cx.sourceText(keyNode) : '';
      cx.report(keyNode ?? node, `field name ${JSON.stringify(shown)} in ${where(v.path)} is not a plain word`, `allowed: ${allowed.join(', ')}`);
      continue;
    }
    const rule = Object.hasOwn(shape.keys, keyName) ? shape.keys[keyName] : undefined;
    if (rule === undefined) {
      const guess = closest(keyName, allowed);
      if (guess) guessed.add(guess);
      cx.report(
        keyNode ?? node,
        `unknown field "${keyName}" in ${where(v.path)}`,
        `allowed: ${allowed.join(', ')}`,
        guess ? `did you mean "${guess}"?` : 'remove it, or check the spelling and the indentation',
      );
      continue;
    }
    present.add(keyName);
    const childPath = v.path ? `${v.path}.${keyName}` : keyName;
    const raw = pair.value as Node | null;
    if (raw === null || (isScalar(raw) && raw.value === null)) {
      cx.report(
        keyNode ?? raw ?? node,
        `${childPath} is empty`,
        undefined,
        `give it a value, like ${keyName}: ${rule.example}${rule.required ? '' : ', or remove the line'}`,
      );
      continue;
    }
    const child = cx.deref(raw);
    if (child === undefined) continue;
    values.set(keyName, { node: child, path: childPath, name: keyName, key: keyNode ?? undefined, example: rule.example });
  }

  const anchor = v.key ?? node;
  const here = where(v.path);
  for (const [key, rule] of Object.entries(shape.keys)) {
    if (rule.required && !present.has(key) && !guessed.has(key)) {
      cx.report(anchor, `missing required field "${key}" in ${here}`, undefined, `add ${key}: ${rule.example}`);
    }
  }
  for (const c of shape.constraints ?? []) {
    const given = c.keys.filter((k) => present.has(k));
    const list = c.keys.join(', ');
    // When an unknown field looks like one of these keys, it is that key misspelt: reported once.
    const misspelt = c.keys.some((k) => guessed.has(k));
    if (given.length === 0 && c.rule !== 'atMostOne' && !misspelt) {
      const first = c.keys[0] ?? '';
      cx.report(
        anchor,
        `${here} has no ${c.label}`,
        `${c.rule === 'exactlyOne' ? 'exactly one' : 'at least one'} of: ${list}`,
        c.fix ?? `add one, like ${first}: ${shape.keys[first]?.example ?? '…'}`,
      );
    } else if (given.length > 1 && c.rule !== 'atLeastOne') {
      const second = node.items.find((p) => isScalar(p.key) && p.key.value === given[1]);
      cx.report(
        (second?.key as Node | undefined) ?? anchor,
        `${here} has more than one ${c.label}: ${given.join(' and ')}`,
        `${c.rule === 'exactlyOne' ? 'exactly one' : 'at most one'} of: ${list}`,
        c.fix ?? 'keep only one',
      );
    }
  }
  return new Fields(v, values);
}

/** A list's items as located values. Reports anything that is not a list. */
export function listItems(cx: Ctx, v: Val, what = 'a list'): Val[] | undefined {
  const node = v.node;
  if (!isSeq(node)) return wrongType(cx, v, what);
  const out: Val[] = [];
  node.items.forEach((raw, i) => {
    const path = `${v.path}[${i}]`;
    const item = raw as Node | null;
    if (item === null || (isScalar(item) && item.value === null)) {
      cx.report(item ?? node, `${path} is empty`, undefined, 'remove the empty "-" line or give it a value');
      return;
    }
    const child = cx.deref(item);
    if (child !== undefined) out.push({ node: child, path, name: `[${i}]` });
  });
  return out.length === node.items.length ? out : undefined;
}

/** Reads every item of a list; undefined if the list or any item is bad (all are checked). */
export function readList<T>(cx: Ctx, v: Val, item: (v: Val) => T | undefined, what?: string): T[] | undefined {
  const items = listItems(cx, v, what);
  if (!items) return undefined;
  const out: T[] = [];
  let bad = false;
  for (const it of items) {
    const r = item(it);
    if (r === undefined) bad = true;
    else out.push(r);
  }
  return bad ? undefined : out;
}

// ---------------------------------------------------------------------------------------------
// Scalars

export function where(path: string): string {
  return path === '' ? 'the top level of the file' : path;
}

/** "the string "5"", "the number 5", "a list", … for wrong-type messages. */
export function describe(cx: Ctx, node: Node): string {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return 'nothing';
    if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    if (typeof value === 'number' || typeof value === 'bigint') return `the number ${cx.sourceText(node) || String(value)}`;
    if (typeof value === 'boolean') return `the boolean ${String(value)}`;
  }
  return 'an unsupported YAML value';
}

/** Reports "<path> must be <expected>, got <actual>" with an example fix; returns undefined. */
export function wrongType(cx: Ctx, v: Val, expected: string, fix?: string): undefined {
  return cx.report(v.node, `${where(v.path)} must be ${expected}, got ${describe(cx, v.node)}`, undefined, fix ?? exampleFix(v));
}

function exampleFix(v: Val): string | undefined {
  return v.example !== undefined && !v.name.startsWith('[') ? `write it like ${v.name}: ${v.example}` : undefined;
}

function scalar(v: Val): unknown {
  return isScalar(v.node) ? v.node.value : undefined;
}

export function readString(cx: Ctx, v: Val, opts: { nonEmpty?: boolean } = {}): string | undefined {
  const value = scalar(v);
  if (typeof value === 'string') {
    if (opts.nonEmpty && value.trim() === '') {
      return cx.report(v.node, `${v.path} is an empty string`, undefined, exampleFix(v));
    }
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    const text = cx.sourceText(v.node);
    const quoted = v.name.startsWith('[') ? `"${text}"` : `${v.name}: "${text}"`;
    return wrongType(cx, v, 'a string', `quote it: ${quoted}`);
  }
  return wrongType(cx, v, 'a string');
}

export function readInt(cx: Ctx, v: Val, min: number, max: number): number | undefined {
  const value = scalar(v);
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (value < min || value > max) {
      return cx.report(v.node, `${v.path} is ${value}, out of range`, `allowed: ${groupDigits(min)} to ${groupDigits(max)}`, exampleFix(v));
    }
    return value;
  }
  if (typeof value === 'string' && /^\s*-?\d[\d_,]*\s*$/.test(value)) {
    const digits = value.replace(/[\s_,]/g, '');
    return wrongType(cx, v, 'an integer', `write the bare number: ${v.name}: ${digits}`);
  }
  return wrongType(cx, v, 'an integer');
}

export function readBool(cx: Ctx, v: Val): boolean | undefined {
  const value = scalar(v);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(yes|no|on|off|y|n|true|false)$/i.test(value)) {
    const guess = /^(yes|on|y|true)$/i.test(value) ? 'true' : 'false';
    return wrongType(cx, v, 'true or false', `write ${v.name}: ${guess} (YAML 1.2 reads yes/no/on/off and quoted words as strings)`);
  }
  return wrongType(cx, v, 'true or false');
}

/** One of a fixed set of words, with a "did you mean" for a near miss. */
export function readEnum<T extends string>(cx: Ctx, v: Val, values: readonly T[]): T | undefined {
  const value = scalar(v);
  if (typeof value === 'string') {
    if ((values as readonly string[]).includes(value)) return value as T;
    const guess = closest(value, values);
    return cx.report(
      v.node,
      `${v.path} is "${value}", which is not a known value`,
      `one of: ${values.join(', ')}`,
      guess ? `did you mean "${guess}"?` : `use one of those`,
    );
  }
  return wrongType(cx, v, `one of: ${values.join(', ')}`);
}

/** A Go/Kubernetes duration in whole milliseconds (see durations.ts). A bare 0 is accepted. */
export function readDuration(cx: Ctx, v: Val): number | undefined {
  const value = scalar(v);
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number') text = cx.sourceText(v.node) || String(value);
  else return wrongType(cx, v, `a duration, ${DURATION_FORMS}`);
  const r = parseDuration(text);
  if (r.ok) return r.ms;
  const prefix = v.name.startsWith('[') ? '' : `${v.name}: `;
  return cx.report(
    v.node,
    `invalid duration ${JSON.stringify(text)} in ${v.path}: ${r.reason}`,
    `accepted: ${DURATION_FORMS}`,
    r.suggestion !== undefined ? `write ${prefix}${r.suggestion}` : exampleFix(v),
  );
}

const PROBABILITY_FORMS = 'a percentage string like "1%" or "0.5%", or a number from 0 to 1';

/** A probability given as a percentage string (`"1%"`) or a number 0..1. */
export function readProbability(cx: Ctx, v: Val): number | undefined {
  const value = scalar(v);
  if (typeof value === 'number') {
    if (value >= 0 && value <= 1) return value;
    const hint = value > 1 && value <= 100 ? `write ${v.name}: ${value}% if you meant a percentage` : exampleFix(v);
    return cx.report(v.node, `${v.path} is ${value}, out of range`, PROBABILITY_FORMS, hint);
  }
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
    if (m) {
      const probability = Number(`${m[1] ?? '0'}e-2`);
      if (probability <= 1) return probability;
      return cx.report(v.node, `${v.path} is ${value}, above 100%`, PROBABILITY_FORMS, exampleFix(v));
    }
    return cx.report(v.node, `${v.path} is ${JSON.stringify(value)}, not a probability`, PROBABILITY_FORMS, exampleFix(v));
  }
  return wrongType(cx, v, PROBABILITY_FORMS);
}

/** A reorder delay longer than this is a partition, not a reorder. */
export const MAX_REORDER_DELAY_MS = 60_000;

/** The most extra delay a reordered message gets: above 0, at most a minute (longer is a partition, not a reorder). */
export function readReorderDelay(cx: Ctx, v: Val): number | undefined {
  const ms = readDuration(cx, v);
  if (ms === undefined) return undefined;
  if (ms === 0 || ms > MAX_REORDER_DELAY_MS) {
    return cx.report(v.node, `${v.path} is ${formatDuration(ms)}, out of range`, `above 0 and at most ${formatDuration(MAX_REORDER_DELAY_MS)}`, 'write it like reorderDelay: 50ms');
  }
  return ms;
}

/** 5000000 → "5,000,000" (locale-independent). */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// ---------------------------------------------------------------------------------------------
// Suggestions

/** The candidate nearest to `word` (case-insensitive match, or edit distance ≤ 2), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact !== undefined) return exact;
  const limit = word.length <= 3 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * cols + j] = v;
    }
  }
  return at(rows - 1, cols - 1);
}
