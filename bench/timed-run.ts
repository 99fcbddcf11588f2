/**
 * One scenario run in this process, as the benches that spawn a process per run time it: the
 * scenario's text through the loader (as a user's file), the CLI's heap growth, wall and CPU
 * seconds of the run alone, and the process's peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface TimedRun {
  wallSeconds: number;
  cpuSeconds: number;
  events: number;
  traceLines: number;
  peakRssMiB: number;
  ok: boolean;
  expectations: number;
}

export async function timedScenarioRun(text: string, file: string): Promise<TimedRun> {
  const { loadScenarioText } = await import('../cli/loader/index.ts');
  const { runScenario } = await import('../actors/scenario/runner.ts');
  const { limitHeapGrowth } = await import('../cli/heap-growth.ts');
  const spec = loadScenarioText(text, file);
  limitHeapGrowth();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const { result } = runScenario(spec);
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    wallSeconds: Number(wallSeconds.toFixed(3)),
    cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)),
    events: result.events,
    traceLines: result.traceLines,
    // getrusage's peak: the run is synchronous, so a sampling timer would never fire during it.
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    ok: result.ok,
    expectations: result.expectations.length,
  };
}

/**
 * Runs `script --child ...args` with tsx in a process of its own (so each peak RSS is its own)
 * and returns the TimedRun it prints on stdout; a child that fails ends the bench.
 */
export function timedRunInChild(script: string, args: readonly string[]): TimedRun {
  const r = spawnSync(process.execPath, ['--max-old-space-size=8192', '--import', 'tsx', script, '--child', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) {
    process.stderr.write(`bench: child ${script} ${args.join(' ')} exited ${r.status}\n`);
    process.exit(1);
  }
  return JSON.parse(r.stdout) as TimedRun;
}
