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

/** Limits of a numeric option. */
export interface NumberOptionSpec {
  readonly min?: number;
  readonly max?: number;
  /** Whole numbers only (the default). */
  readonly integer?: boolean;
  /** The value the hint suggests (default: the nearest to 1 within the limits). */
  readonly example?: number;
}

const WHOLE = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * A commander option parser for a number option `name` (e.g. `--sample-size`): plain decimal text
 * only (`20`, `0.9`; not `""`, `1e3`, `0x10`, `Infinity`, which `Number()` would take), whole unless
 * `integer: false`, within `[min, max]`. Throws a {@link UsageError}:
 * `--size "0" must be a whole number from 1 up` with the hint `e.g. --size 1`.
 */
export function numberOption(name: string, spec: NumberOptionSpec = {}): (v: string) => number {
  const { min = -Infinity, max = Infinity, integer = true } = spec;
  const range = min > -Infinity ? ` from ${min}${max < Infinity ? ` to ${max}` : ' up'}` : max < Infinity ? ` up to ${max}` : '';
  const example = spec.example ?? Math.min(max, Math.max(min, 1));
  return (v: string) => {
    const n = (integer ? WHOLE : DECIMAL).test(v) ? Number(v) : NaN;
    if (Number.isNaN(n) || n < min || n > max) {
      throw new UsageError(`${name} "${v}" must be a ${integer ? 'whole ' : ''}number${range}`, `e.g. ${name} ${example}`);
    }
    return n;
  };
}
