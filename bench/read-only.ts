/**
 * Fallback for `npm run bench` when `plexmend aggregate` is not available: reads the input through
 * `readLogLines` only (the I/O half of Phase 1) and prints its statistics as JSON.
 * Usage: node --import tsx bench/read-only.ts (--logs DIR | --archive-dir DIR)
 */
import { readLogLines } from '../src/logs/read.ts';

const args = process.argv.slice(2);
const logs = args.indexOf('--logs');
const archive = args.indexOf('--archive-dir');
const input = logs >= 0 ? { kind: 'folder' as const, dir: args[logs + 1] } : { kind: 'archive' as const, dir: args[archive + 1] };
const r = readLogLines(input);
let errors = 0;
// Push mode, as aggregate reads.
const res = await r.each((l) => {
  if (l.text.includes(' ERROR ')) errors++;
});
process.stdout.write(JSON.stringify({ ...res.stats, errors, problems: res.problems.length, gaps: res.gaps.length }) + '\n');
