/**
 * `JSON.stringify(value, null, 2)` handed out in pieces: the same text, but a big document never exists as
 * one string (nor as that string's UTF-8 copy). The aggregate report of a 1 GB archive is ~30 MB of JSON with
 * curly quotes in titles — a two-byte string of ~60 MB plus its encoding, most of that run's peak memory.
 * Objects are opened key by key down to `depth` levels, arrays are written a few hundred elements at a time;
 * every piece is made by `JSON.stringify` itself, at the nesting it has in the document, so the text is byte
 * for byte `JSON.stringify`'s and costs about as much.
 */
export function* jsonPieces(value: unknown, depth = 2): Generator<string> {
  yield* pieces(value, 0, depth);
}

/** Elements per piece of an array. */
const RUN = 256;

function* pieces(v: unknown, level: number, depth: number): Generator<string> {
  if (depth <= 0 || v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    yield at(v, level);
    return;
  }
  const inner = '  '.repeat(level + 1);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i += RUN) {
      const run = at(v.slice(i, i + RUN), level); // `[\n<inner>a,\n<inner>b\n<indent>]`
      yield `${i ? `,\n${inner}` : `[\n${inner}`}${run.slice(2 + inner.length, run.length - level * 2 - 2)}`;
    }
    yield v.length ? `\n${'  '.repeat(level)}]` : '[]';
    return;
  }
  const obj = v as Record<string, unknown>;
  let first = true;
  for (const k of Object.keys(obj)) {
    const x = obj[k];
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue; // JSON leaves these out
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(k)}: `;
    first = false;
    yield* pieces(x, level + 1, depth - 1);
  }
  yield first ? '{}' : `\n${'  '.repeat(level)}}`;
}

/** `JSON.stringify(v, null, 2)` as it reads `level` levels deep: nested in arrays, then unwrapped. */
function at(v: unknown, level: number): string {
  if (level === 0) return JSON.stringify(v, null, 2) ?? 'null';
  let wrapped: unknown = v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v;
  for (let k = 0; k < level; k++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  const [head, tail] = wrapper(level);
  return text.slice(head, text.length - tail);
}

/** Lengths of the `[\n  [\n    ` before and the `\n  ]\n]` after a value nested `level` arrays deep. */
function wrapper(level: number): [number, number] {
  let head = 0;
  for (let k = 0; k < level; k++) head += 2 * k + 2;
  return [head + 2 * level, head];
}
