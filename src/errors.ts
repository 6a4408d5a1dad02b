/**
 * User-facing failures. Each carries the one-line message, a hint (what to do next) and an exit
 * category; the only place that turns them into output and an exit code is `src/cli/main.ts`.
 */

/** Exit categories, mapped to process exit codes in one table (src/cli/exit.ts). */
export const EXIT_CATEGORIES = ['failure', 'usage', 'input'] as const;
export type ExitCategory = (typeof EXIT_CATEGORIES)[number];

export class PlexmendError extends Error {
  readonly hint: string | undefined;
  readonly category: ExitCategory;
  constructor(message: string, opts: { hint?: string; category?: ExitCategory; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.hint = opts.hint;
    this.category = opts.category ?? 'failure';
  }
}

/** Bad flags or arguments. */
export class UsageError extends PlexmendError {
  constructor(message: string, hint?: string) {
    super(message, { hint, category: 'usage' });
  }
}

/** Input that cannot be used: a missing folder, a file of another schema, unreadable data. */
export class InputError extends PlexmendError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { hint, category: 'input', cause });
  }
}

/** A document whose `schema` names another kind or version than the reader expects. */
export class SchemaMismatchError extends InputError {
  constructor(path: string, found: string, expected: string) {
    super(
      `${path} is a "${found}" document, expected "${expected}"`,
      'pass a file written by this version of plexmend, or re-run the phase that writes it',
    );
  }
}

/** Another plexmend process holds a lock. */
export class LockHeldError extends PlexmendError {
  constructor(what: string, pid: number) {
    super(`${what} is locked by plexmend process ${pid}`, {
      hint: `wait for it to finish, or stop it (kill ${pid}); a stale lock of a dead process is taken over automatically`,
    });
  }
}
