#!/usr/bin/env node
/**
 * plexmend's entry: the only file that sees argv and the only handler that turns errors into output
 * and exit codes.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PlexmendError } from '../errors.ts';
import { redact } from '../redact.ts';
import { COMMAND_MODULES } from './commands.ts';
import { EXIT_CODES } from './exit.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export async function buildProgram(): Promise<Command> {
  const program = new Command()
    .name('plexmend')
    .description('A measured, self-improving repair loop for legacy Plex metadata agents.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const load of COMMAND_MODULES) (await load()).register(program);
  program.commands.forEach((c) => c.exitOverride());
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram();
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    return report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end through here with exit code 0.
    if (err.exitCode === 0) return 0;
    return EXIT_CODES.usage;
  }
  if (err instanceof PlexmendError) {
    process.stderr.write(`plexmend: ${redact(err.message)}\n`);
    if (err.hint) process.stderr.write(`  → ${redact(err.hint)}\n`);
    return EXIT_CODES[err.category];
  }
  const fs = fileSystemError(err);
  if (fs) {
    process.stderr.write(`plexmend: ${redact(fs.message)}\n  → ${fs.hint}\n`);
    return EXIT_CODES.usage;
  }
  const e = err as Error;
  process.stderr.write(
    `plexmend: internal error: ${redact(e?.message ?? String(err))}\n${redact(e?.stack ?? '')}\n` +
      `plexmend ${pkg.version}, node ${process.version}, ${process.platform}. Please report this with the lines above.\n`,
  );
  return EXIT_CODES.failure;
}

/**
 * A file-system refusal no command turned into its own message (a workspace or --output path that is a file,
 * read-only or not ours): the path and the reason in one line, not a stack trace. Bad input, so exit 2.
 */
function fileSystemError(err: unknown): { message: string; hint: string } | null {
  const e = err as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system', ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'it is a folder', ENOSPC: 'no space left on the device', EFBIG: 'file too large for this file system or limit', EDQUOT: 'disk quota exceeded',
  };
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || !(e.code in reasons) || typeof e.path !== 'string') return null;
  return {
    message: `cannot use ${e.path}: ${reasons[e.code]} (${e.code}${e.syscall ? `, ${e.syscall}` : ''})`,
    hint: 'choose a workspace (--workspace) or output file (--output) in a folder you can write to, with free space',
  };
}

const isEntry = Boolean(process.argv[1]) && import.meta.url === pathToFileURL(process.argv[1]!).href;
if (isEntry || process.env.PLEXMEND_ENTRY === '1') {
  // `plexmend … | head`: the reader went away; what it wanted was read. End quietly, as other tools do.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
