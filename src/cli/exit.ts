/** The one table of exit codes (0 ok, 1 failure, 2 bad usage or input). */
import type { ExitCategory } from '../errors.ts';

export const EXIT_OK = 0;
export const EXIT_CODES: Record<ExitCategory, number> = { failure: 1, usage: 2, input: 2 };
