/**
 * The report page of every shipped scenario, for the report tests: each scenario run on its own
 * seed, its virtual duration capped so the set stays cheap (the pages must draw whatever part
 * of a run they get).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenarioFile } from '../../cli/loader/index.ts';
import { runScenario } from '../../actors/scenario/runner.ts';
import { createReportReducer, type ReportData } from '../../cli/report/reduce.ts';
import { renderReportPage } from '../../cli/report/page.ts';

export const SCENARIO_DIR = 'scenarios';

export function shippedScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(SCENARIO_DIR, f));
}

export interface ScenarioPage {
  file: string;
  data: ReportData;
  html: string;
}

/** Runs a scenario (at most `capMs` of virtual time) and draws its page. */
export function scenarioPage(file: string, capMs = 60_000): ScenarioPage {
  const spec = loadScenarioFile(file);
  const capped = { ...spec, durationMs: Math.min(spec.durationMs, capMs) };
  const reducer = createReportReducer({ title: `kubesim report: ${file}` });
  const { result } = runScenario(capped, { onTrace: reducer.add });
  const data = reducer.finish(result.virtualMs);
  return { file, data, html: renderReportPage(data) };
}
