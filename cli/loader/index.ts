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

import { LineCounter, type Document } from 'yaml';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { ScenarioError, problemText } from './errors.ts';
import { readScenario } from './scenario.ts';
import { Ctx } from './tree.ts';
import { readInputFile } from './files.ts';
import { parseYaml } from './yaml-read.ts';

export { ScenarioError, MAX_REPORTED_PROBLEMS, type ScenarioProblem } from './errors.ts';
export { parseDuration, formatDuration, type DurationResult } from './durations.ts';
export { MAX_INPUT_BYTES } from './files.ts';
export { MAX_YAML_DEPTH, MAX_ALIAS_EXPANSION } from './yaml-read.ts';
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

/**
 * Reads and loads a scenario file; `path` is reported as given. Only a regular file of at most
 * MAX_INPUT_BYTES (16 MiB) is read; anything else is a problem about the file as a whole
 * (line 0), printed as `path: message`.
 */
export function loadScenarioFile(path: string, overrides: LoadOverrides = {}): ScenarioSpec {
  const read = readInputFile(path);
  if (!read.ok) throw ScenarioError.at(path, 0, 0, problemText(`cannot read the scenario: ${read.reason}`, undefined, read.fix));
  return loadScenarioText(read.text, path, overrides);
}

/** Loads a scenario from text; `file` is used in messages and in every `source`. */
export function loadScenarioText(text: string, file: string, overrides: LoadOverrides = {}): ScenarioSpec {
  if (overrides.seed !== undefined && overrides.seed.trim() === '') {
    throw ScenarioError.at(file, 0, 0, problemText('the seed override is empty', 'an integer or a non-empty string', 'pass a seed like --seed 42'));
  }
  const lines = new LineCounter();
  const parsed = parseYaml(text, lines, true);
  if (!parsed.ok) {
    const pos = lines.linePos(parsed.problem.offset);
    throw ScenarioError.at(file, pos.line, pos.col, problemText(parsed.problem.what, parsed.problem.expected, parsed.problem.fix));
  }
  const doc = parsed.docs[0] as Document;
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
