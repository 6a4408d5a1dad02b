/** Argument parsers shared by the commands (one message per mistake, wherever it is made). */
import { UsageError } from '../errors.ts';

/** `--iteration N`: a positive whole number. */
export function parseIteration(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--iteration "${v}" is not a positive whole number`, 'use e.g. --iteration 2');
  return n;
}

/** A fix id as the diagnosis names it (`fix3`). */
export function parseFixId(fix: string): string {
  if (!/^fix\d+$/.test(fix)) throw new UsageError(`"${fix}" is not a fix id`, 'fix ids look like fix3 (see diagnostic_report.md)');
  return fix;
}
