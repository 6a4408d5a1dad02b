/**
 * The floor for any log reader written in JavaScript on this machine: node starts, reads the files in 1 MiB
 * chunks, finds every line end (Buffer.indexOf, i.e. memchr) and looks at ONE byte per line — where the
 * framework puts the level — to count the ERROR lines, like `grep -c ' ERROR '`. No string is made, nothing
 * is parsed. `npm run bench` times it beside grep and aggregate: what aggregate costs beyond this is the
 * parsing, and what this costs beyond grep is Node itself.
 * Usage: node bench/floor.mjs FILE...   Prints `<lines> <error lines>`.
 */
import { closeSync, openSync, readSync } from 'node:fs';

const buf = Buffer.allocUnsafe(1 << 20);
let lines = 0;
let errors = 0;
for (const path of process.argv.slice(2)) {
  const fd = openSync(path, 'r');
  let kept = 0; // bytes of an unfinished line carried to the front of the buffer
  for (;;) {
    const n = readSync(fd, buf, kept, buf.length - kept, null);
    const end = kept + n;
    let pos = 0;
    for (let nl = buf.indexOf(10, pos); nl !== -1 && nl < end; nl = buf.indexOf(10, pos)) {
      lines++;
      // `2024-07-12 13:36:56,319 (1cc8) :  ERROR (…`: the level starts 5 bytes after the thread's `)`.
      let i = pos + 25;
      while (i < nl && buf[i] !== 41) i++;
      if (buf[i + 5] === 69 && buf[i + 6] === 82) errors++;
      pos = nl + 1;
    }
    if (n === 0) {
      if (end > pos) lines++;
      break;
    }
    if (pos === 0 && end === buf.length) pos = end; // a line longer than the buffer: counted when it ends
    buf.copy(buf, 0, pos, end);
    kept = end - pos;
  }
  closeSync(fd);
}
process.stdout.write(`${lines} ${errors}\n`);
