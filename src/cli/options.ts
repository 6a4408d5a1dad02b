/** Argument parsers shared by the commands (one message per mistake, wherever it is made). */
import { UsageError } from '../errors.ts';

/** `--iteration N`: a positive whole number. */
export function parseIteration(v: string): number {
  return ITERATION(v);
}

/** A fix id as the diagnosis names it (`fix3`). */
export function parseFixId(fix: string): string {
  if (!/^fix\d+$/.test(fix)) throw new UsageError(`"${fix}" is not a fix id`, 'fix ids look like fix3 (see diagnostic_report.md)');
  return fix;
}

/** Limits of a numeric option. */
export interface NumberOptionSpec {
  readonly min?: number;
  /** An exclusive lower limit (`--llm-timeout` must be above 0), instead of `min`. */
  readonly above?: number;
  readonly max?: number;
  /** Whole numbers only (the default). */
  readonly integer?: boolean;
  /** The value the hint suggests (default: the nearest to 1 within the limits). */
  readonly example?: number;
}

const WHOLE = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** The limits as words: ` from 1 to 10`, ` from 1 up`, ` above 0, at most 3600`, ` up to 5`. */
function rangeText(min: number, above: number | undefined, max: number): string {
  const upper = max < Infinity;
  if (above !== undefined) return ` above ${above}${upper ? `, at most ${max}` : ''}`;
  if (min > -Infinity) return ` from ${min}${upper ? ` to ${max}` : ' up'}`;
  return upper ? ` up to ${max}` : '';
}

/**
 * A commander option parser for a number option `name` (e.g. `--sample-size`): plain decimal text
 * only (`20`, `0.9`; not `""`, `1e3`, `0x10`, `Infinity`, which `Number()` would take), whole unless
 * `integer: false`, within `[min, max]` (or `(above, max]`). Throws a {@link UsageError}:
 * `--size "0" must be a whole number from 1 up` with the hint `e.g. --size 1`.
 */
export function numberOption(name: string, spec: NumberOptionSpec = {}): (v: string) => number {
  const { min = -Infinity, above, max = Infinity, integer = true } = spec;
  const range = rangeText(min, above, max);
  const example = spec.example ?? Math.min(max, Math.max(above ?? min, 1));
  return (v: string) => {
    const n = (integer ? WHOLE : DECIMAL).test(v) ? Number(v) : NaN;
    if (Number.isNaN(n) || n < min || (above !== undefined && n <= above) || n > max) {
      throw new UsageError(`${name} "${v}" must be a ${integer ? 'whole ' : ''}number${range}`, `e.g. ${name} ${example}`);
    }
    return n;
  };
}

const ITERATION = numberOption('--iteration', { min: 1, example: 2 });
