/**
 * Scenario files: load, validate, convert to ScenarioSpec (actors/scenario/spec.ts).
 *
 *   loadScenarioFile('scenarios/etcd-split-brain.yaml', { seed: '7' })
 *
 * Bad input of any kind (missing or unreadable file, YAML syntax, unknown or missing fields,
 * wrong types, bad durations or quantities, unknown members/hosts/groups/clients/users/nodes/ids,
 * times past the end, manifests that cannot be read or are not objects) throws a ScenarioError
 * whose format() is `file:line:column: message`, one line per problem (up to 10, sorted by
 * position). A problem inside a manifest file is reported at the manifest's own
 * file:line:column. The YAML format is documented in scenarios/README.md.
 *
 * Manifest paths (`path:`) are relative to the scenario file's folder: for loadScenarioText, the
 * folder of `file`.
 */

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { ScenarioError, problemText } from './errors.ts';
import { readScenario } from './scenario.ts';
import { Ctx } from './tree.ts';

export { ScenarioError, MAX_REPORTED_PROBLEMS, type ScenarioProblem } from './errors.ts';
export { parseDuration, formatDuration, type DurationResult } from './durations.ts';
export { API_VERSION, DEFAULTS } from './scenario.ts';
export { K8S_DEFAULTS, ZONE_LABEL } from './kubernetes.ts';
/** The kinds object references may name, with their resources and scopes (for whoever resolves an ObjectRef). */
export { KINDS, kindInfo, type KindInfo } from './kinds.ts';
/** How manifests read YAML scalars (kubectl's YAML 1.1 rules). */
export { resolvePlain } from './manifests.ts';

export interface LoadOverrides {
  /** Replaces spec.seed (e.g. from --seed). */
  seed?: string;
}

/** Reads and loads a scenario file; `path` is reported as given. */
export function loadScenarioFile(path: string, overrides: LoadOverrides = {}): ScenarioSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw ScenarioError.at(path, 0, 0, fileProblem(path, err));
  }
  return loadScenarioText(text, path, overrides);
}

/** Loads a scenario from text; `file` is used in messages and in every `source`. */
export function loadScenarioText(text: string, file: string, overrides: LoadOverrides = {}): ScenarioSpec {
  if (overrides.seed !== undefined && overrides.seed.trim() === '') {
    throw ScenarioError.at(file, 0, 0, problemText('the seed override is empty', 'an integer or a non-empty string', 'pass a seed like --seed 42'));
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  const cx = new Ctx(file, text, doc, lines);
  // Only the first syntax error: the ones after it are mostly consequences of it.
  const syntax = doc.errors[0];
  if (syntax) {
    cx.reportAt(syntax.pos[0], yamlProblem(syntax.code, syntax.message));
    cx.throwIfProblems();
  }
  const spec = readScenario(cx, doc.contents, overrides);
  cx.throwIfProblems();
  if (!spec) {
    // Every reader reports before giving up; reaching here is a loader bug, still reported cleanly.
    throw ScenarioError.at(file, 1, 1, 'the scenario could not be loaded (internal loader error: no problem was recorded). Please report this with the file.');
  }
  return spec;
}

function yamlProblem(code: string, message: string): string {
  const text = message.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  switch (code) {
    case 'MULTIPLE_DOCS':
      return problemText('YAML syntax: a second document starts here', 'a scenario file holds one YAML document', 'remove the "---" line, or split the file');
    case 'DUPLICATE_KEY':
      return problemText('YAML syntax: this key appears twice in the same map', 'keys in a map are unique', 'keep one of them');
    case 'TAB_AS_INDENT':
      return problemText(`YAML syntax: ${text}`, 'YAML indents with spaces', 'replace the tabs with spaces');
    default:
      return problemText(`YAML syntax: ${text}`, undefined, 'check the indentation, brackets and quotes around this position');
  }
}

function fileProblem(path: string, err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return problemText(`cannot read the scenario: no such file "${path}"`, undefined, 'check the path');
  if (code === 'EISDIR') return problemText(`cannot read the scenario: "${path}" is a directory`, undefined, 'give the path of a .yaml file');
  if (code === 'EACCES' || code === 'EPERM') return problemText(`cannot read the scenario: permission denied for "${path}"`, undefined, 'check the file permissions');
  const detail = err instanceof Error ? err.message : String(err);
  return problemText(`cannot read the scenario "${path}": ${detail}`);
}
