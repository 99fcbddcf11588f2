/**
 * Parsing YAML with bounds, for scenario files and manifests:
 *
 * - nesting: at most MAX_YAML_DEPTH maps and lists inside each other, checked on the parser's
 *   token tree (iteratively) before the document is composed, so a 5000-deep file is a located
 *   problem, not "Maximum call stack size exceeded";
 * - aliases: an alias may not refer to a map or list that contains it (an endless value), and
 *   all aliases together may add at most MAX_ALIAS_EXPANSION values to the document once expanded
 *   (a "billion laughs" file is refused where it goes over);
 * - alias resolution: one pass per document (`aliasTarget`), not a walk of the whole document per
 *   alias, which is what yaml's Alias.resolve does.
 *
 * Options are the loader's: positions through `lineCounter`, source tokens kept, unique keys.
 */

import { Composer, Parser, YAMLParseError, isAlias, isMap, isPair, isSeq, type CST, type Document, type LineCounter, type Node } from 'yaml';

/** Maps and lists inside each other: at most this many levels. */
export const MAX_YAML_DEPTH = 100;
/** Values that aliases may add to a document once expanded. */
export const MAX_ALIAS_EXPANSION = 1_000_000;

/** A bound exceeded: where (an offset in the text), what, and how to fix it. */
export interface YamlLimitProblem {
  offset: number;
  what: string;
  expected?: string;
  fix: string;
}

export type ParsedYaml = { ok: true; docs: Document.Parsed[] } | { ok: false; problem: YamlLimitProblem };

const OPTIONS = { keepSourceTokens: true, prettyErrors: false, uniqueKeys: true } as const;

/**
 * Every document of `text` (`single`: one, with a MULTIPLE_DOCS error on the first if the text
 * holds more, as yaml's parseDocument does). Syntax errors stay in each document's `errors`.
 */
export function parseYaml(text: string, lineCounter: LineCounter, single: boolean): ParsedYaml {
  const tokens = Array.from(new Parser(lineCounter.addNewLine).parse(text));
  const deep = tooDeep(tokens);
  if (deep !== undefined) {
    return {
      ok: false,
      problem: {
        offset: deep,
        what: `YAML nests deeper than ${MAX_YAML_DEPTH} levels here (maps and lists inside each other)`,
        expected: `kubesim reads at most ${MAX_YAML_DEPTH} levels`,
        fix: 'flatten the structure; no scenario or Kubernetes object needs that many levels',
      },
    };
  }
  const composer = new Composer(OPTIONS);
  const docs: Document.Parsed[] = [];
  for (const doc of composer.compose(tokens, single, text.length)) {
    if (single && docs.length === 1) {
      docs[0]!.errors.push(new YAMLParseError(doc.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'Source contains multiple documents'));
      break;
    }
    docs.push(doc as Document.Parsed);
  }
  for (const doc of docs) {
    if (doc.errors.length > 0) continue;
    const problem = indexAliases(doc);
    if (problem) return { ok: false, problem };
  }
  return { ok: true, docs };
}

/** The offset of the first map or list nested deeper than MAX_YAML_DEPTH, if any. */
function tooDeep(tokens: readonly CST.Token[]): number | undefined {
  const stack: { token: CST.Token; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    switch (token.type) {
      case 'document':
        if (token.value) stack.push({ token: token.value, depth });
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        const d = depth + 1;
        if (d > MAX_YAML_DEPTH) return token.offset;
        for (const item of token.items) {
          const { key, value } = item as { key?: CST.Token | null; value?: CST.Token };
          if (key) stack.push({ token: key, depth: d });
          if (value) stack.push({ token: value, depth: d });
        }
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Aliases

const TARGETS = new WeakMap<Document, Map<Node, Node | undefined>>();

/**
 * What an alias refers to: the node with its anchor last defined before it (yaml's rule), or
 * undefined for an unknown anchor. O(1) for documents parsed by parseYaml.
 */
export function aliasTarget(doc: Document, alias: Node): Node | undefined {
  const index = TARGETS.get(doc);
  if (index) return index.get(alias);
  return isAlias(alias) ? (alias.resolve(doc) as Node | undefined) : undefined;
}

/**
 * Walks the document once, in document order: records every alias's target, refuses aliases
 * to a map or list that contains them and an expansion past MAX_ALIAS_EXPANSION.
 */
function indexAliases(doc: Document.Parsed): YamlLimitProblem | undefined {
  const targets = new Map<Node, Node | undefined>();
  TARGETS.set(doc, targets);
  const root = doc.contents as Node | null;
  if (!root) return undefined;
  const anchors = new Map<string, Node>();
  /** Expanded sizes of finished nodes. */
  const size = new Map<Node, number>();
  const open = new Set<Node>();
  let added = 0;
  // Post-order with an explicit stack: children before their parent; anchors in document order.
  const stack: { node: Node; entered: boolean }[] = [{ node: root, entered: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const node = top.node;
    if (!top.entered) {
      top.entered = true;
      if (isAlias(node)) {
        stack.pop();
        const target = anchors.get(node.source);
        targets.set(node, target);
        if (target === undefined) {
          size.set(node, 1); // reported by whoever reads it ("unknown alias")
          continue;
        }
        if (open.has(target)) {
          return {
            offset: node.range?.[0] ?? 0,
            what: `the alias *${node.source} refers to a map or list that contains it, which would make an endless value`,
            fix: `refer to the anchor &${node.source} from outside the value it names`,
          };
        }
        const s = size.get(target) ?? 1;
        size.set(node, s);
        added += s - 1;
        if (added > MAX_ALIAS_EXPANSION) {
          return {
            offset: node.range?.[0] ?? 0,
            what: `the aliases up to here expand to more than ${MAX_ALIAS_EXPANSION.toLocaleString('en-US')} values`,
            expected: 'aliases that repeat a value many times over are refused, as Kubernetes refuses them',
            fix: 'write the values out, or use fewer aliases to large anchored values',
          };
        }
        continue;
      }
      const anchor = (node as { anchor?: string }).anchor;
      if (anchor) anchors.set(anchor, node);
      open.add(node);
      const children: Node[] = [];
      if (isMap(node) || isSeq(node)) {
        for (const item of node.items as unknown[]) {
          if (isPair(item)) {
            if (item.key && typeof item.key === 'object') children.push(item.key as Node);
            if (item.value && typeof item.value === 'object') children.push(item.value as Node);
          } else if (item && typeof item === 'object') {
            children.push(item as Node);
          }
        }
      }
      // Pushed in reverse, so that they are visited in document order.
      for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i]!, entered: false });
      continue;
    }
    stack.pop();
    open.delete(node);
    let s = 1;
    if (isMap(node) || isSeq(node)) {
      for (const item of node.items as unknown[]) {
        if (isPair(item)) {
          if (item.key && typeof item.key === 'object') s += size.get(item.key as Node) ?? 1;
          if (item.value && typeof item.value === 'object') s += size.get(item.value as Node) ?? 1;
        } else if (item && typeof item === 'object') {
          s += size.get(item as Node) ?? 1;
        }
      }
    }
    size.set(node, s);
  }
  return undefined;
}
