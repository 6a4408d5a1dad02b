/** The plug-in framework's log rollover (Python RotatingFileHandler.doRollover, 5 backups) for tests. */
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';

/** Shifts `<base>.1…4` up one (dropping `.5`), moves `<base>` to `.1`, and starts `<base>` with `firstLines`. */
export async function rollover(base: string, firstLines: string): Promise<void> {
  await rm(`${base}.5`, { force: true });
  for (let n = 4; n >= 1; n--) if (existsSync(`${base}.${n}`)) await rename(`${base}.${n}`, `${base}.${n + 1}`);
  if (existsSync(base)) await rename(base, `${base}.1`);
  await writeFile(base, firstLines);
}
