/**
 * Timestamps for virtual time, without the Date object (simulation code never reads real time,
 * and formatting by hand keeps that visible). Virtual 0 ms is VIRTUAL_EPOCH, so objects carry
 * realistic RFC 3339 times: creationTimestamp "2025-01-01T00:00:05Z".
 */

/** 2025-01-01T00:00:00Z in Unix milliseconds. */
export const VIRTUAL_EPOCH_UNIX_MS = 1_735_689_600_000;

function civil(unixMs: number): { y: number; m: number; d: number; hh: number; mm: number; ss: number; ms: number } {
  const days = Math.floor(unixMs / 86_400_000);
  const msOfDay = unixMs - days * 86_400_000;
  // Howard Hinnant's civil_from_days.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return { y, m, d, hh: Math.floor(msOfDay / 3_600_000), mm: Math.floor((msOfDay % 3_600_000) / 60_000), ss: Math.floor((msOfDay % 60_000) / 1000), ms: msOfDay % 1000 };
}

const two = (n: number): string => String(n).padStart(2, '0');

/** The last second timestamp() formatted, and its text: components stamp many objects in one virtual second. */
let lastStampSecond = Number.NaN;
let lastStamp = '';

/** metav1.Time: second precision, "2025-01-01T00:00:05Z". */
export function timestamp(virtualMs: number): string {
  const second = Math.floor(virtualMs / 1000);
  if (second === lastStampSecond) return lastStamp;
  const c = civil(VIRTUAL_EPOCH_UNIX_MS + second * 1000);
  lastStamp = `${c.y}-${two(c.m)}-${two(c.d)}T${two(c.hh)}:${two(c.mm)}:${two(c.ss)}Z`;
  lastStampSecond = second;
  return lastStamp;
}

/** metav1.MicroTime (Lease renewTime, Event eventTime): "2025-01-01T00:00:05.250000Z". */
export function microTimestamp(virtualMs: number): string {
  const c = civil(VIRTUAL_EPOCH_UNIX_MS + virtualMs);
  return `${c.y}-${two(c.m)}-${two(c.d)}T${two(c.hh)}:${two(c.mm)}:${two(c.ss)}.${String(c.ms).padStart(3, '0')}000Z`;
}

/** Parses either form back to virtual ms (for lease expiry and ages). */
export function parseTimestamp(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!m) return Number.NaN;
  const [, y, mo, d, hh, mm, ss, frac = ''] = m;
  const year = Number(y);
  const month = Number(mo);
  // days_from_civil
  const yy = month <= 2 ? year - 1 : year;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + Number(d) - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146_097 + doe - 719_468;
  const unixMs = days * 86_400_000 + Number(hh) * 3_600_000 + Number(mm) * 60_000 + Number(ss) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3));
  return unixMs - VIRTUAL_EPOCH_UNIX_MS;
}
