/**
 * Phase 3's user-facing failures. Each names the file or fix concerned and says what to do next; the CLI
 * turns them into one line and an exit code (src/cli/main.ts).
 */
import { InputError, PlexmendError } from '../errors.ts';

/** A plan names a path outside the bundles, `_PGMA/` or the agent's cache folder. */
export class ScopeError extends InputError {
  constructor(path: string, why: string) {
    super(
      `refusing to write ${JSON.stringify(path)}: ${why}`,
      'plexmend only writes files inside <Plug-ins>/*.bundle/, <Plug-ins>/_PGMA/ and the agent\'s cache; fix the path in the plan',
    );
  }
}

/** A unified diff does not fit the file it is meant for. */
export class PatchConflictError extends PlexmendError {
  constructor(path: string, detail: string) {
    super(`the patch does not apply to ${path}: ${detail}`, {
      hint: 'the agent code differs from the code the fix was written for; re-run `plexmend diagnose` to get a fresh fix',
    });
  }
}

/** A file was changed by someone else since plexmend last wrote it. */
export class FileChangedError extends PlexmendError {
  constructor(path: string, fixId: string) {
    super(`${path} was changed by someone else since ${fixId} was applied; not overwriting it`, {
      hint: `look at the file first; run \`plexmend rollback ${fixId} --force\` to restore it anyway`,
    });
  }
}

/** Copies of one shared file (e.g. PGMA's utils.py in 21 bundles) disagree after patching. */
export class SharedCopiesDifferError extends PlexmendError {
  constructor(group: string, paths: string[]) {
    super(`the copies of shared file "${group}" differ after patching: ${paths.join(', ')}`, {
      hint: 'the copies were not identical before the fix; make them identical (or drop the shared marker) and apply again',
    });
  }
}

/** The fix id is not in the plan, the implementation log or the backups. */
export class UnknownFixError extends InputError {
  constructor(fixId: string, where: string) {
    super(`no ${fixId} found in ${where}`, 'check the fix id (`fix3`) and the iteration; `plexmend apply --plan FILE` takes a plan file');
  }
}

/** A file cannot be written because of permissions (plexmend may run as another user than Plex). */
export class WriteAccessError extends PlexmendError {
  constructor(path: string, code: string) {
    super(`cannot write ${path} (${code})`, {
      hint: 'run plexmend as the user Plex runs as, or give that user\'s group write access to the Plug-ins folder (never sudo)',
    });
  }
}

/** A backup object is missing or its bytes do not hash to what the manifest says. */
export class BackupCorruptError extends PlexmendError {
  constructor(what: string) {
    super(`backup ${what} is missing or damaged`, {
      hint: 'the fix cannot be undone byte-for-byte from this backup; restore the file from the Plug-ins snapshot in _BACKUPS/snapshots',
    });
  }
}
