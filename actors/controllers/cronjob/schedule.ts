import { CronExpressionParser } from 'cron-parser';
import { VIRTUAL_EPOCH_UNIX_MS } from '../../api/time.ts';

/**
 * Cron schedules on the virtual clock: the one wrapper around the `cron-parser` library. Every
 * computation is given an explicit current time (virtual ms, mapped to Unix ms through
 * VIRTUAL_EPOCH_UNIX_MS) and the UTC zone, and a fixed `hashSeed` (without one the library
 * seeds its `H` expansion from an unseeded random source) — so the library never reads real time or
 * randomness, and no Date is built here. (Luxon, under cron-parser, may read its clock once to
 * guess a zone's offset when it builds a time from fields; for the fixed UTC zone the offset is 0
 * whatever it reads, so no result depends on real time.)
 *
 * Accepted forms are robfig/cron's `ParseStandard` (what the CronJob controller uses): five
 * fields (minute hour day-of-month month day-of-week) and the descriptors @yearly, @annually,
 * @monthly, @weekly, @daily, @midnight, @hourly. `@every`, seconds fields, `TZ=` prefixes and
 * Jenkins-style `H` are refused.
 */

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export interface CronSchedule {
  readonly expression: string;
  /** The first fire time strictly after `virtualMs` (virtual ms), or undefined if none ever. */
  next(virtualMs: number): number | undefined;
}

/** Parses a schedule; a string with the error (as the controller's UnparseableSchedule event says) if it does not parse. */
export function parseSchedule(schedule: string): CronSchedule | string {
  const text = schedule.trim();
  const expr = DESCRIPTORS[text] ?? text;
  if (expr.startsWith('@') || /^(CRON_)?TZ=/.test(expr)) return `unrecognized descriptor: ${text}`;
  const fields = expr.split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  if (/[hH]/.test(expr.replace(/[a-zA-Z]{3}/g, ''))) return `failed to parse ${text}: H is not supported`;
  const withSeconds = `0 ${expr}`;
  try {
    CronExpressionParser.parse(withSeconds, { currentDate: VIRTUAL_EPOCH_UNIX_MS, tz: 'UTC', hashSeed: 'kubesim' });
  } catch (e) {
    return `failed to parse ${text}: ${(e as Error).message}`;
  }
  return {
    expression: text,
    next(virtualMs: number): number | undefined {
      const it = CronExpressionParser.parse(withSeconds, { currentDate: VIRTUAL_EPOCH_UNIX_MS + virtualMs, tz: 'UTC', hashSeed: 'kubesim' });
      if (!it.hasNext()) return undefined;
      try {
        return it.next().getTime() - VIRTUAL_EPOCH_UNIX_MS;
      } catch {
        return undefined;
      }
    },
  };
}
