/** True when `path` is a folder (following links); false when it is anything else or cannot be seen. */
import { stat } from 'node:fs/promises';

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
