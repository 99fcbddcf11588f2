import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../../actors/kernel/canonical-json.ts';
import type { ScenarioSpec } from '../../actors/scenario/spec.ts';
import { InputError } from '../guard.ts';
import type { FuzzCluster } from './cluster.ts';
import { TALLY_KEY, type Counterexample, type FuzzReport, type PropertyTally, type RunRecord, type Shard } from './engine.ts';
import type { Schedule } from './schedule.ts';

/**
 * The result of a fuzz search as data (what `--json` prints and `--out` keeps), and the merge of
 * shards' results into the result one process would have given.
 *
 * "The same results, whatever the worker or shard count" means: equal results, wall times aside
 * (`wallMs`, `searchWallMs`, `runsPerSecond`), and the counterexample's `file` and `replay`,
 * which name the folder it was written to. Precisely, the same
 *  - run records: every run below the first failure and the failing run itself (all runs when
 *    none fails), by index, each with its simulation seed, fingerprint, events, virtual time,
 *    command count and every property's verdict;
 *  - totals over those runs (events, virtual time, per-property pass/fail/unknown/not-checkable,
 *    and the note of the first unknown or not-checkable verdict);
 *  - counterexample: the first failing run's index, its properties, and its schedule shrunk to
 *    the same scenario, fingerprint and fast-check path.
 * This holds because run i is drawn from the one fast-check stream whichever shard runs it
 * (engine.ts), a shard stops only at its own first failure (so it ran all its runs below the
 * global first failure), and shrinking depends on the failing schedule alone. Runs a shard did
 * past the global first failure are dropped, as is any other shard's counterexample.
 */

export const RESULT_KIND = 'kubesim-fuzz-result';
export const RESULT_VERSION = 1;

export interface ResultCounterexample {
  property: string;
  detail: string;
  /** The scenario file this result wrote (null in a result not yet written out). */
  file: string | null;
  fingerprint: string;
  seed: number;
  path: string;
  runIndex: number;
  originalCommands: number;
  shrunkCommands: number;
  shrinkRuns: number;
  failedOnFirstRun: { property: string; detail: string }[];
  replay: string | null;
  fastCheckReplay: string;
  /** The shrunk schedule and its scenario: a merge writes the counterexample file from them. */
  schedule: Schedule;
  spec: ScenarioSpec;
}

export interface FuzzResult {
  kind: typeof RESULT_KIND;
  version: typeof RESULT_VERSION;
  seed: number;
  runs: number;
  /** `I/N`: this result covers the runs whose index is ≡ I (mod N); `0/1` is the whole search. */
  shard: string;
  /** The selected properties, in order. */
  propertyNames: string[];
  /** The --cluster file as given (null: the default cluster), and a digest of the cluster it loaded to. */
  cluster: string | null;
  clusterDigest: string;
  shrinkRunsLimit: number;
  runsDone: number;
  events: number;
  virtualMs: number;
  wallMs: number;
  searchWallMs: number;
  runsPerSecond: number;
  failures: Record<string, number>;
  properties: Record<string, PropertyTally>;
  counterexample: ResultCounterexample | null;
  runRecords: RunRecord[];
}

/** Fields that differ between equal results: times, and where the counterexample was written. */
export function withoutWallTimes(r: FuzzResult): unknown {
  const { wallMs: _w, searchWallMs: _s, runsPerSecond: _r, ...rest } = r;
  return { ...rest, counterexample: r.counterexample ? { ...r.counterexample, file: null, replay: null } : null };
}

/** What a cluster simulates, without where it was read from: shards on other machines may keep the file elsewhere. */
export function clusterDigest(cluster: FuzzCluster): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== 'source' && k !== 'file' && k !== 'description')
        .map(([k, x]) => [k, strip(x)]),
    );
  };
  return createHash('sha256').update(canonicalJson(strip(cluster.base))).digest('hex').slice(0, 16);
}

export const formatShard = (s: Shard): string => `${s.index}/${s.count}`;

export function parseShardText(text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  if (!m) return undefined;
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  return shard.count >= 1 && shard.index < shard.count ? shard : undefined;
}

export interface ResultContext {
  propertyNames: string[];
  cluster: string | null;
  clusterDigest: string;
  shrinkRunsLimit: number;
  fastCheckReplay: (cx: Counterexample) => string;
}

/** One engine report (one shard, possibly cut off by another's failure) as a result. */
export function resultOfReport(report: FuzzReport, ctx: ResultContext): FuzzResult {
  const cx = report.counterexample;
  return summarize(
    {
      kind: RESULT_KIND,
      version: RESULT_VERSION,
      seed: report.seed,
      runs: report.runs,
      shard: formatShard(report.shard),
      propertyNames: ctx.propertyNames,
      cluster: ctx.cluster,
      clusterDigest: ctx.clusterDigest,
      shrinkRunsLimit: ctx.shrinkRunsLimit,
      wallMs: report.wallMs,
      searchWallMs: report.searchWallMs,
      counterexample: cx
        ? {
            property: cx.property,
            detail: cx.detail,
            file: null,
            fingerprint: cx.fingerprint,
            seed: cx.seed,
            path: cx.path,
            runIndex: cx.runIndex,
            originalCommands: cx.originalCommands,
            shrunkCommands: cx.schedule.commands.length,
            shrinkRuns: cx.shrinkRuns,
            failedOnFirstRun: cx.failedOnFirstRun,
            replay: null,
            fastCheckReplay: ctx.fastCheckReplay(cx),
            // As JSON data (fast-check builds records without a prototype): equal to a result read back from a file.
            schedule: asJsonData(cx.schedule),
            spec: asJsonData(cx.spec),
          }
        : null,
    },
    report.runRecords,
  );
}

const asJsonData = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

type Head = Omit<FuzzResult, 'runsDone' | 'events' | 'virtualMs' | 'runsPerSecond' | 'failures' | 'properties' | 'runRecords'>;

/** The totals of a result, from its run records alone (so merged and single results agree by construction). */
function summarize(head: Head, records: readonly RunRecord[]): FuzzResult {
  const sorted = [...records].sort((a, b) => a.index - b.index);
  const properties: Record<string, PropertyTally> = Object.fromEntries(head.propertyNames.map((n) => [n, { pass: 0, fail: 0, unknown: 0, notCheckable: 0 }]));
  let events = 0;
  let virtualMs = 0;
  for (const r of sorted) {
    events += r.events;
    virtualMs += r.virtualMs;
    for (const name of head.propertyNames) {
      const status = r.verdicts[name];
      if (status === undefined) continue;
      const tally = properties[name]!;
      tally[TALLY_KEY[status]]++;
      const note = r.notes?.[name];
      if (note !== undefined && tally.note === undefined) tally.note = note;
    }
  }
  const runsPerSecond = head.searchWallMs > 0 ? Number((sorted.length / (head.searchWallMs / 1000)).toFixed(3)) : 0;
  return {
    ...head,
    runsDone: sorted.length,
    events,
    virtualMs,
    runsPerSecond,
    failures: Object.fromEntries(head.propertyNames.map((n) => [n, properties[n]!.fail])),
    properties,
    runRecords: sorted,
  };
}

/** A result read from a file, or built in process, and a name for it in messages. */
export interface NamedResult {
  name: string;
  result: FuzzResult;
}

const bad = (name: string, what: string): InputError => new InputError(`${name}: ${what}`);

/**
 * Merges results whose shards together make `target` (default: the shard their indexes complete,
 * normally 0/1): shard counts are equal, a multiple of the target's, and the shards are exactly
 * those ≡ target.index (mod target.count). Throws an InputError naming the file and what is
 * wrong. Wall times: the longest shard's (they ran at once); `wallMs` may be given instead.
 */
export function mergeResults(inputs: readonly NamedResult[], options: { target?: Shard; wallMs?: number; searchWallMs?: number } = {}): FuzzResult {
  if (inputs.length === 0) throw new InputError('nothing to merge: give the result files (or folders) of the shards');
  const first = inputs[0]!;
  for (const { name, result: r } of inputs) {
    if (r.shard === undefined || parseShardText(r.shard) === undefined) throw bad(name, `its shard "${r.shard}" is not I/N`);
    const same: [string, unknown, unknown][] = [
      ['seed', r.seed, first.result.seed],
      ['runs', r.runs, first.result.runs],
      ['properties', r.propertyNames.join(','), first.result.propertyNames.join(',')],
      ['cluster', r.clusterDigest, first.result.clusterDigest],
      ['shrink-runs', r.shrinkRunsLimit, first.result.shrinkRunsLimit],
      ['shard count', parseShardText(r.shard)!.count, parseShardText(first.result.shard)!.count],
    ];
    for (const [what, mine, theirs] of same) {
      if (mine !== theirs) {
        const shown = what === 'cluster' ? `${r.cluster ?? 'the default cluster'} (digest ${mine})` : String(mine);
        const theirsShown = what === 'cluster' ? `${first.result.cluster ?? 'the default cluster'} (digest ${theirs})` : String(theirs);
        throw bad(name, `its ${what} is ${shown}, but ${first.name} has ${theirsShown}: shards of one search share --seed, --runs, --property, --cluster and --shrink-runs`);
      }
    }
  }
  const count = parseShardText(first.result.shard)!.count;
  const target = options.target ?? { index: 0, count: 1 };
  if (count % target.count !== 0) throw bad(first.name, `shards of ${count} cannot make shard ${formatShard(target)}`);
  const byIndex = new Map<number, NamedResult>();
  for (const input of inputs) {
    const shard = parseShardText(input.result.shard)!;
    if (shard.index % target.count !== target.index) throw bad(input.name, `shard ${input.result.shard} is not part of shard ${formatShard(target)}`);
    const twin = byIndex.get(shard.index);
    if (twin) throw bad(input.name, `shard ${input.result.shard} is also in ${twin.name}: give each shard once`);
    byIndex.set(shard.index, input);
  }
  const missing: number[] = [];
  for (let i = target.index; i < count; i += target.count) if (!byIndex.has(i)) missing.push(i);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).map((i) => `${i}/${count}`).join(', ');
    throw new InputError(`the shards do not cover the search: shard${missing.length === 1 ? '' : 's'} ${shown}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''} missing (given: ${inputs.map((x) => x.name).join(', ')})`);
  }
  // The first failure of the search: the smallest failing run index of any shard.
  let failing: NamedResult | undefined;
  for (const input of inputs) {
    const cx = input.result.counterexample;
    if (cx && (failing === undefined || cx.runIndex < failing.result.counterexample!.runIndex)) failing = input;
  }
  const end = failing ? failing.result.counterexample!.runIndex + 1 : first.result.runs;
  const records: RunRecord[] = [];
  for (const input of inputs) {
    const shard = parseShardText(input.result.shard)!;
    const own = new Set<number>();
    for (const r of input.result.runRecords) {
      if (r.index % shard.count !== shard.index) throw bad(input.name, `run ${r.index} is not a run of shard ${input.result.shard}`);
      own.add(r.index);
      if (r.index < end) records.push(r);
    }
    // Every run of this shard before the end must be there: a shard stops only at its own failure.
    for (let i = shard.index; i < end; i += shard.count) {
      if (!own.has(i)) throw bad(input.name, `run ${i} of shard ${input.result.shard} is missing, though the search ends at run ${end - 1}${failing ? ` (the first failure, in ${failing.name})` : ''}: the file is incomplete`);
    }
  }
  const wallMs = options.wallMs ?? Math.max(...inputs.map((x) => x.result.wallMs));
  const searchWallMs = options.searchWallMs ?? Math.max(...inputs.map((x) => x.result.searchWallMs));
  return summarize(
    {
      kind: RESULT_KIND,
      version: RESULT_VERSION,
      seed: first.result.seed,
      runs: first.result.runs,
      shard: formatShard(target),
      propertyNames: first.result.propertyNames,
      cluster: first.result.cluster,
      clusterDigest: first.result.clusterDigest,
      shrinkRunsLimit: first.result.shrinkRunsLimit,
      wallMs,
      searchWallMs,
      counterexample: failing ? failing.result.counterexample : null,
    },
    records,
  );
}

/** Whether a parsed JSON value looks like a result (kind and version checked, the rest trusted). */
function asResult(name: string, value: unknown): FuzzResult {
  const v = value as Partial<FuzzResult> | null;
  if (v === null || typeof v !== 'object' || v.kind !== RESULT_KIND) throw bad(name, `not a kubesim fuzz result (no "kind": "${RESULT_KIND}"); give the files written by kubesim fuzz --out DIR, or its --json output`);
  if (v.version !== RESULT_VERSION) throw bad(name, `result version ${String(v.version)}, this kubesim reads version ${RESULT_VERSION}: merge with the kubesim that wrote it`);
  if (!Array.isArray(v.runRecords) || typeof v.shard !== 'string' || !Array.isArray(v.propertyNames)) throw bad(name, 'the result is damaged (no runRecords, shard or propertyNames)');
  return v as FuzzResult;
}

export const isResultFile = (file: string): boolean => /^fuzz-result-.*\.json$/.test(file);

/**
 * The results in files and folders: a file is read as it is (a result file, or `--json` output
 * saved from a log); a folder gives its `fuzz-result-*.json` files. Throws an InputError naming
 * the path.
 */
export function readResults(paths: readonly string[]): NamedResult[] {
  const out: NamedResult[] = [];
  for (const path of paths) {
    let files: string[];
    try {
      if (statSync(path).isDirectory()) {
        files = readdirSync(path).filter(isResultFile).sort().map((f) => join(path, f));
        if (files.length === 0) throw bad(path, 'no fuzz-result-*.json file in this folder (kubesim fuzz --out DIR writes one per shard)');
      } else files = [path];
    } catch (err) {
      if (err instanceof InputError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw bad(path, code === 'ENOENT' ? 'no such file or folder' : `cannot read: ${code ?? String(err)}`);
    }
    for (const file of files) {
      const text = readFileSync(file, 'utf8').trim();
      // A saved log may hold the progress lines of a non-JSON run before it: the result is the last line.
      const last = text.slice(text.lastIndexOf('\n') + 1);
      let value: unknown;
      try {
        value = JSON.parse(last);
      } catch {
        throw bad(file, 'not JSON: give the files written by kubesim fuzz --out DIR, or its --json output');
      }
      out.push({ name: file, result: asResult(file, value) });
    }
  }
  return out;
}
