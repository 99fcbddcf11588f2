import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario } from '../../actors/scenario/runner.ts';
import { loadScenarioFile } from '../../cli/loader/index.ts';

/**
 * The pinned fingerprint of every shipped scenario on its own seed, per Node major (V8's number
 * formatting and sort are the only platform inputs). A change in behaviour shows in review as a
 * change to fingerprints.json; `npm run fingerprints:pin` rewrites the table for this Node major.
 */

export const PINNED_FILE = join(import.meta.dirname, 'fingerprints.json');

export type PinnedTable = Record<string, Record<string, string>>;

export function nodeMajor(): string {
  return `node${process.versions.node.split('.')[0]}`;
}

export function shippedScenarios(): string[] {
  return readdirSync('scenarios')
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => `scenarios/${f}`);
}

export function readPinned(): PinnedTable {
  if (!existsSync(PINNED_FILE)) return {};
  return JSON.parse(readFileSync(PINNED_FILE, 'utf8')) as PinnedTable;
}

export function fingerprintOf(file: string): string {
  return runScenario(loadScenarioFile(file)).result.fingerprint;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const table = readPinned();
  const pins: Record<string, string> = {};
  for (const file of shippedScenarios()) {
    pins[file] = fingerprintOf(file);
    console.log(`${pins[file]}  ${file}`);
  }
  table[nodeMajor()] = pins;
  const sorted: PinnedTable = {};
  for (const major of Object.keys(table).sort()) sorted[major] = table[major]!;
  writeFileSync(PINNED_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
  console.log(`pinned ${Object.keys(pins).length} fingerprints for ${nodeMajor()} in ${PINNED_FILE}`);
}
