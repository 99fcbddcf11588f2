/**
 * Kubernetes manifests in a scenario: `spec.workload` items and the `apply` verb. A manifest is a
 * file (`path:`, relative to the scenario file's folder; several documents separated by `---`; a
 * folder means its .yaml, .yml and .json files in name order, as `kubectl apply -f <dir>`) or an
 * object written inline.
 *
 * Manifests are read the way kubectl reads them: plain scalars are resolved with YAML 1.1 rules
 * (sigs.k8s.io/yaml): `0644` is octal (420), `yes`/`no`/`on`/`off`/`y`/`n` are booleans, `<<`
 * merges. Inline manifests inside the scenario file are read with the same rules, so an object
 * means the same inline and in a file.
 *
 * The loader checks only what it needs: each document is a map with apiVersion, kind and
 * metadata.name (or generateName). Everything else is the simulated apiserver's to validate at
 * run time, where a bad object is rejected the way the real one rejects it (422): an outcome of
 * the run, not a load error. `kind: List` documents are expanded into their items, as kubectl does.
 */

import { readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { ManifestDoc, SourceRef } from '../../actors/scenario/spec.ts';
import { kindInfo } from './kinds.ts';
import { SHAPES } from './schema.ts';
import { MAX_INPUT_BYTES, readInputFile, systemError } from './files.ts';
import { describe, listItems, openMap, readString, type Ctx, type Val } from './tree.ts';
import { MAX_YAML_DEPTH, aliasTarget, parseYaml } from './yaml-read.ts';

// ---------------------------------------------------------------------------------------------
// YAML → JSON, as kubectl does it

const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSES = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const SPECIAL_FLOATS = new Map<string, number>(Object.entries({
  '.nan': NaN,
  '.NaN': NaN,
  '.NAN': NaN,
  '.inf': Infinity,
  '.Inf': Infinity,
  '.INF': Infinity,
  '+.inf': Infinity,
  '+.Inf': Infinity,
  '+.INF': Infinity,
  '-.inf': -Infinity,
  '-.Inf': -Infinity,
  '-.INF': -Infinity,
}));
const GO_INT = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/;
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/**
 * What an untagged plain scalar means to kubectl (go-yaml v2's resolve, then JSON): null, a
 * boolean, a number, or the text itself. Timestamps stay strings, as they do for kubectl.
 */
export function resolvePlain(text: string): unknown {
  if (NULLS.has(text)) return null;
  if (TRUES.has(text)) return true;
  if (FALSES.has(text)) return false;
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return special;
  const first = text[0] ?? '';
  if (first === '.') {
    return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(text) ? Number(text) : text;
  }
  if (!/[0-9+-]/.test(first)) return text;
  if (/^\d{4}-\d\d?-\d\d?([Tt ].*)?$/.test(text)) return text; // a timestamp: kept as text
  const plain = text.replace(/_/g, '');
  const m = GO_INT.exec(plain);
  if (m) {
    const sign = m[1] === '-' ? -1 : 1;
    const digits = m[2] ?? '0';
    const lower = digits.toLowerCase();
    let value: number;
    if (lower.startsWith('0x')) value = parseInt(digits.slice(2), 16);
    else if (lower.startsWith('0b')) value = parseInt(digits.slice(2), 2);
    else if (lower.startsWith('0o')) value = parseInt(digits.slice(2), 8);
    else if (digits.length > 1 && digits.startsWith('0')) value = parseInt(digits.slice(1), 8);
    else value = Number(digits);
    return sign * value;
  }
  if (YAML_FLOAT.test(plain)) return Number(plain);
  return text;
}

/** Where a YAML node is, and how to report a problem there. */
export interface Place {
  file: string;
  doc: Document;
  source(node: Node | undefined): SourceRef;
  report(node: Node | undefined, what: string, expected?: string, fix?: string): undefined;
}

/** The scenario file itself, as a Place. */
export function scenarioPlace(cx: Ctx): Place {
  return { file: cx.file, doc: cx.doc, source: (n) => cx.source(n), report: (n, w, e, f) => cx.report(n, w, e, f) };
}

/**
 * Converts a YAML node to JSON the way kubectl does. Reports keys that cannot be JSON keys (maps,
 * lists) and values nested deeper than MAX_YAML_DEPTH through aliases (parseYaml bounds the
 * nesting as written, and refuses aliases to a value that contains them); returns undefined then.
 */
export function toJson(place: Place, node: Node, depth = 0): unknown {
  if (depth > MAX_YAML_DEPTH) {
    return place.report(node, `this value nests deeper than ${MAX_YAML_DEPTH} levels through its aliases`, `kubesim reads at most ${MAX_YAML_DEPTH} levels`, 'write the values out instead of nesting aliases');
  }
  if (isAlias(node)) {
    const target = aliasTarget(place.doc, node);
    if (!target) return place.report(node, `unknown alias "*${node.source}"`, 'no anchor with that name before it', `define &${node.source} before using it`);
    return toJson(place, target, depth + 1);
  }
  if (isScalar(node)) {
    if (node.type === 'PLAIN' && node.tag === undefined) return resolvePlain(node.source ?? String(node.value ?? ''));
    const value = node.value;
    return typeof value === 'bigint' ? Number(value) : value;
  }
  if (isSeq(node)) {
    const out: unknown[] = [];
    let bad = false;
    for (const item of node.items) {
      const v = item === null ? null : toJson(place, item as Node, depth + 1);
      if (v === undefined) bad = true;
      out.push(v);
    }
    return bad ? undefined : out;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const merged: Record<string, unknown>[] = [];
    let bad = false;
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const valueNode = pair.value as Node | null;
      const value = valueNode === null ? null : toJson(place, valueNode, depth + 1);
      if (value === undefined) {
        bad = true;
        continue;
      }
      if (keyNode && isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.tag === undefined && keyNode.source === '<<') {
        const sources = Array.isArray(value) ? value : [value];
        if (!sources.every((s) => s !== null && typeof s === 'object' && !Array.isArray(s))) {
          place.report(valueNode ?? keyNode, 'a merge key "<<" needs a map or a list of maps', undefined, 'refer to an anchored map, like <<: *defaults');
          bad = true;
          continue;
        }
        merged.push(...(sources as Record<string, unknown>[]));
        continue;
      }
      const key = keyNode === null ? null : toJson(place, keyNode, depth + 1);
      if (key !== null && typeof key === 'object') {
        place.report(keyNode ?? node, `a map key here is ${describeJson(key)}`, 'keys of a Kubernetes object are strings', 'write a plain key');
        bad = true;
        continue;
      }
      if (key === undefined) {
        bad = true;
        continue;
      }
      setOwn(out, String(key), value);
    }
    if (bad) return undefined;
    // Keys written in the map win over merged ones; among merged maps, the first wins.
    for (const m of merged) {
      for (const [k, v] of Object.entries(m)) if (!Object.hasOwn(out, k)) setOwn(out, k, v);
    }
    return out;
  }
  return place.report(node, 'this YAML value cannot be part of a Kubernetes object');
}

/** Sets a key as an own property, even `__proto__` (as JSON.parse does). */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function describeJson(value: unknown): string {
  return Array.isArray(value) ? 'a list' : 'a map';
}

/** A JSON value for a message: short scalars as written, anything else by its type. */
function jsonType(value: unknown): string {
  if (value !== null && typeof value === 'object') return describeJson(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 40 ? text : `a ${typeof value} of ${String(value).length} characters`;
}

// ---------------------------------------------------------------------------------------------
// Checking objects

/** Checks that a converted document is a Kubernetes object the loader can hand on; `what` names it. */
function checkObject(place: Place, node: Node, object: unknown, what: string): ManifestDoc[] | undefined {
  const fixKind = 'every manifest is a Kubernetes object: a map with apiVersion, kind and metadata.name';
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    // The value is described, never quoted: the file may be anything (a path to a file that is not a manifest).
    const got = object === null ? 'empty' : Array.isArray(object) ? 'a list' : typeof object === 'string' ? `a text of ${object.length} characters` : `a ${typeof object}`;
    return place.report(node, `${what} is ${got}, not a Kubernetes object`, fixKind, 'write a map like {apiVersion: v1, kind: Pod, metadata: {name: web}, spec: …}');
  }
  const o = object as Record<string, unknown>;
  const kind = o.kind;
  const apiVersion = o.apiVersion;
  let bad = false;
  const at = (key: string): Node => fieldNode(node, key) ?? node;
  if (kind === undefined || kind === null || kind === '') {
    place.report(node, `${what} has no kind`, fixKind, 'add kind:, like kind: Deployment');
    bad = true;
  } else if (typeof kind !== 'string') {
    place.report(at('kind'), `the kind of ${what} must be a string, got ${jsonType(kind)}`, undefined, 'write it like kind: Deployment');
    bad = true;
  }
  if (apiVersion === undefined || apiVersion === null || apiVersion === '') {
    const info = typeof kind === 'string' ? kindInfo(kind) : undefined;
    const guess = info ? (info.group === '' ? info.version : `${info.group}/${info.version}`) : 'v1';
    place.report(node, `${what} has no apiVersion`, fixKind, `add apiVersion:, like apiVersion: ${guess}`);
    bad = true;
  } else if (typeof apiVersion !== 'string') {
    place.report(at('apiVersion'), `the apiVersion of ${what} must be a string, got ${jsonType(apiVersion)}`, undefined, 'write it like apiVersion: apps/v1');
    bad = true;
  }
  if (bad) return undefined;
  if (kind === 'List') {
    const items = o.items;
    const itemsNode = fieldNode(node, 'items');
    if (!Array.isArray(items)) {
      return place.report(itemsNode ?? node, `${what} is a List without a list of items`, 'a kind: List holds its objects under items:', 'add items: [...]');
    }
    const out: ManifestDoc[] = [];
    items.forEach((item, i) => {
      const itemNode = itemsNode && isSeq(itemsNode) ? ((itemsNode.items[i] as Node | null) ?? itemsNode) : node;
      const docs = checkObject(place, itemNode, item, `item ${i} of ${what}`);
      if (docs) out.push(...docs);
      else bad = true;
    });
    return bad ? undefined : out;
  }
  const metadata = o.metadata;
  const metaNode = fieldNode(node, 'metadata');
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
    const got = metadata === undefined ? 'has no metadata' : 'has a metadata that is not a map';
    return place.report(metaNode ?? node, `${what} ${got}`, 'every object has a name: metadata.name (or metadata.generateName)', 'add metadata: {name: my-object}');
  }
  const m = metadata as Record<string, unknown>;
  const name = m.name;
  const generateName = m.generateName;
  const hasName = typeof name === 'string' && name !== '';
  const hasGenerateName = typeof generateName === 'string' && generateName !== '';
  if (!hasName && !hasGenerateName) {
    const bad = name !== undefined && name !== null && typeof name !== 'string';
    return place.report(
      (metaNode && fieldNode(metaNode, 'name')) ?? metaNode ?? node,
      bad ? `metadata.name of ${what} must be a string, got ${jsonType(name)}` : `${what} has no metadata.name`,
      'every object has a name: metadata.name, or metadata.generateName for a generated one',
      bad ? `quote it: name: "${String(name)}"` : 'add name: under metadata',
    );
  }
  return [{ object: o, source: place.source(node) }];
}

/** The value node of `key` in a map node, if there is one. */
function fieldNode(node: Node, key: string): Node | undefined {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
  return (pair?.value as Node | null | undefined) ?? undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading from the scenario

/** An object written inline in the scenario. */
export function readInlineManifest(cx: Ctx, v: Val): ManifestDoc[] | undefined {
  const place = scenarioPlace(cx);
  const object = toJson(place, v.node);
  if (object === undefined) return undefined;
  return checkObject(place, v.node, object, v.path);
}

/** Per load: manifest files already read (a file referenced twice is read once), and the bytes read so far. */
const READ_CACHE = new WeakMap<Ctx, { files: Map<string, FileRead>; budget: Budget }>();

/** Manifest files of one scenario: at most this many bytes in all (each file at most MAX_INPUT_BYTES). */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
/** Manifest files in one folder given as a path. */
export const MAX_FOLDER_FILES = 1000;

interface Budget {
  bytesLeft: number;
}

type FileRead =
  | { ok: true; docs: ManifestDoc[] }
  | { ok: false; problems: { at: SourceRef; what: string; expected?: string; fix?: string }[]; reported?: boolean }
  | { ok: false; unreadable: string; fix: string };

/**
 * `path:` → every object in the file (or folder), resolved relative to the scenario's folder.
 * The path must stay inside the scenario file's folder tree (symbolic links are followed): a
 * scenario is a folder that can be shared and run anywhere, and never reads the rest of the disk.
 */
export function readManifestPath(cx: Ctx, v: Val): ManifestDoc[] | undefined {
  const given = readString(cx, v, { nonEmpty: true });
  if (given === undefined) return undefined;
  const folder = dirname(cx.file);
  const file = isAbsolute(given) ? given : join(folder, given);
  const shownFolder = folder === '.' ? 'the current folder' : folder;
  const outside = leavesFolder(folder, file);
  if (outside !== undefined) {
    return cx.report(
      v.node,
      `the manifest "${given}" given in ${v.path} ${outside === 'link' ? 'is reached through a symbolic link that leads' : 'leads'} out of the scenario's folder, ${shownFolder}`,
      "manifest paths lead to a file or folder inside the scenario file's folder or below it; symbolic links are followed",
      `copy the manifest into ${shownFolder} or a folder below it, and give its path relative to the scenario file`,
    );
  }
  let cache = READ_CACHE.get(cx);
  if (!cache) READ_CACHE.set(cx, (cache = { files: new Map(), budget: { bytesLeft: MAX_MANIFEST_BYTES } }));
  let read = cache.files.get(file);
  if (!read) {
    read = readManifestFileOrDir(file, folder, cache.budget);
    cache.files.set(file, read);
  }
  if (read.ok) {
    if (read.docs.length === 0) {
      return cx.report(v.node, `manifest file "${file}" (${v.path}) has no objects in it`, 'kubectl apply needs at least one object', 'add a manifest to the file, or remove this entry');
    }
    // A copy per reference: a file applied twice gives two independent objects.
    return read.docs.map((doc) => ({ object: structuredClone(doc.object), source: { ...doc.source } }));
  }
  if ('unreadable' in read) {
    return cx.report(
      v.node,
      `cannot read the manifest "${file}" given in ${v.path}: ${read.unreadable}`,
      `paths are relative to the scenario file's folder, ${folder === '.' ? 'here the current folder' : `here ${folder}`}`,
      read.fix,
    );
  }
  // Reported once, for the first reference; later references to the same file just fail.
  if (!read.reported) {
    read.reported = true;
    const line = cx.position(v.node).line;
    for (const p of read.problems) cx.reportIn(p.at, v.node, `${p.what}, in the manifest given by ${v.path} at line ${line}`, p.expected, p.fix);
  }
  return undefined;
}

/**
 * Whether `file` leaves `folder`'s tree: as written ('path'), or once symbolic links are resolved
 * ('link'); undefined when it stays inside (a path that does not exist is left to the reader).
 */
function leavesFolder(folder: string, file: string): 'path' | 'link' | undefined {
  const inside = (root: string, path: string): boolean => {
    const rel = relative(root, path);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  if (!inside(resolve(folder), resolve(file))) return 'path';
  let realFolder: string;
  let realFile: string;
  try {
    realFolder = realpathSync(folder);
    realFile = realpathSync(file);
  } catch {
    return undefined;
  }
  return inside(realFolder, realFile) ? undefined : 'link';
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/;

/** `root`: the scenario's folder, which every file of a folder must stay inside too. */
function readManifestFileOrDir(file: string, root: string, budget: Budget): FileRead {
  let isDir = false;
  let names: string[];
  try {
    isDir = statSync(file).isDirectory();
    if (!isDir) return readManifestFile(file, budget);
    names = readdirSync(file)
      .filter((n) => MANIFEST_EXTENSIONS.test(n))
      .sort();
  } catch (err) {
    return unreadable(err);
  }
  if (names.length === 0) {
    return { ok: false, unreadable: 'the folder has no .yaml, .yml or .json files', fix: 'give a manifest file, or a folder of them' };
  }
  if (names.length > MAX_FOLDER_FILES) {
    return { ok: false, unreadable: `the folder has ${names.length} manifest files, more than the ${MAX_FOLDER_FILES} kubesim reads from one folder`, fix: 'split them into several folders' };
  }
  const docs: ManifestDoc[] = [];
  const problems: { at: SourceRef; what: string; expected?: string; fix?: string }[] = [];
  for (const n of names) {
    if (leavesFolder(root, join(file, n)) !== undefined) {
      return { ok: false, unreadable: `${n} in it is a symbolic link that leads out of the scenario's folder`, fix: 'copy the manifest into the folder instead of linking to it' };
    }
    const r = readManifestFile(join(file, n), budget);
    if (r.ok) docs.push(...r.docs);
    else if ('unreadable' in r) return { ok: false, unreadable: `${n} in it: ${r.unreadable}`, fix: r.fix };
    else problems.push(...r.problems);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, docs };
}

function unreadable(err: unknown): FileRead {
  const e = systemError(err);
  return { ok: false, unreadable: e.reason, fix: e.fix };
}

function readManifestFile(file: string, budget: Budget): FileRead {
  const read = readInputFile(file, Math.min(MAX_INPUT_BYTES, budget.bytesLeft));
  if (!read.ok) {
    if (budget.bytesLeft < MAX_INPUT_BYTES && read.reason.startsWith('it is larger than')) {
      return { ok: false, unreadable: `the scenario's manifests are larger than ${MAX_MANIFEST_BYTES / 1024 / 1024} MiB in all, the most kubesim reads`, fix: 'use fewer or smaller manifests' };
    }
    return { ok: false, unreadable: read.reason, fix: read.fix };
  }
  const text = read.text;
  budget.bytesLeft -= Buffer.byteLength(text);
  const lines = new LineCounter();
  const parsed = parseYaml(text, lines, false);
  const sourceAt = (offset: number): SourceRef => {
    const pos = lines.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  if (!parsed.ok) {
    const p = parsed.problem;
    return { ok: false, problems: [{ at: sourceAt(p.offset), what: p.what, ...(p.expected !== undefined ? { expected: p.expected } : {}), fix: p.fix }] };
  }
  const problems: { at: SourceRef; what: string; expected?: string; fix?: string }[] = [];
  const list = parsed.docs;
  // YAML syntax: the first error only (the next ones are mostly consequences of it).
  for (const d of list) {
    const syntax = d.errors[0];
    if (syntax) {
      const text = syntax.message.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
      const what = syntax.code === 'DUPLICATE_KEY' ? 'YAML syntax: this key appears twice in the same map' : `YAML syntax: ${text}`;
      problems.push({ at: sourceAt(syntax.pos[0]), what, fix: syntax.code === 'DUPLICATE_KEY' ? 'keep one of them' : 'check the indentation, brackets and quotes around this position' });
      return { ok: false, problems };
    }
  }
  const out: ManifestDoc[] = [];
  list.forEach((d, i) => {
    const contents = d.contents as Node | null;
    // Empty documents (a leading or trailing ---, comments only) are skipped, as kubectl does.
    if (contents === null || (isScalar(contents) && contents.value === null && !isAlias(contents))) return;
    const place: Place = {
      file,
      doc: d,
      source: (n) => sourceAt(n?.range?.[0] ?? 0),
      report: (n, what, expected, fix) => {
        problems.push({ at: sourceAt(n?.range?.[0] ?? 0), what, ...(expected !== undefined ? { expected } : {}), ...(fix !== undefined ? { fix } : {}) });
        return undefined;
      },
    };
    const what = list.length > 1 ? `document ${i + 1} of ${file}` : `the object in ${file}`;
    const object = toJson(place, contents);
    if (object === undefined) return;
    const checked = checkObject(place, contents, object, what);
    if (checked) out.push(...checked);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, docs: out };
}

/**
 * A list of manifests: each item `{path: <file>}` or an inline object. `what` describes the list
 * for type errors.
 */
export function readManifestList(cx: Ctx, v: Val): ManifestDoc[] | undefined {
  const items = listItems(cx, v, 'a list of manifests, each {path: <file>} or an inline object with apiVersion, kind and metadata');
  if (!items) return undefined;
  const out: ManifestDoc[] = [];
  let bad = false;
  for (const item of items) {
    const docs = readManifestItem(cx, item);
    if (docs) out.push(...docs);
    else bad = true;
  }
  return bad ? undefined : out;
}

/** One list item: `{path: …}` (a file) or an inline object. */
export function readManifestItem(cx: Ctx, v: Val): ManifestDoc[] | undefined {
  if (!isMap(v.node)) {
    const text = isScalar(v.node) && typeof v.node.value === 'string' ? v.node.value : undefined;
    return cx.report(
      v.node,
      `${v.path} must be a manifest: {path: <file>} or an inline object, got ${describe(cx, v.node)}`,
      undefined,
      text !== undefined ? `write - path: ${text}` : 'write - path: manifests/web.yaml, or an object with apiVersion, kind and metadata',
    );
  }
  const keys = v.node.items.map((p) => (isScalar(p.key) ? p.key.value : undefined));
  if (keys.includes('path') && !keys.includes('kind') && !keys.includes('apiVersion')) {
    const f = openMap(cx, v, SHAPES.manifestFile, 'a map {path: <file>}');
    const pathV = f?.get('path');
    return pathV && readManifestPath(cx, pathV);
  }
  return readInlineManifest(cx, v);
}
