/**
 * `JSON.stringify(value, null, 2)` handed out in pieces: the same text, but a big document never exists as
 * one string (nor as that string's UTF-8 copy). The aggregate report of a 1 GB archive is ~30 MB of JSON with
 * curly quotes in titles — a two-byte string of ~60 MB plus its encoding, most of that run's peak memory.
 * Objects and arrays are opened down to `depth` levels; below that each value is one `JSON.stringify` call,
 * re-indented. For plain data (what plexmend writes) the text is byte for byte `JSON.stringify`'s.
 */
export function* jsonPieces(value: unknown, depth = 2): Generator<string> {
  yield* pieces(value, '', depth);
}

function* pieces(v: unknown, indent: string, depth: number): Generator<string> {
  if (depth <= 0 || v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    const s = JSON.stringify(v, null, 2) ?? 'null';
    yield indent && s.includes('\n') ? s.replace(/\n/g, `\n${indent}`) : s; // JSON strings never hold a raw newline
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      yield `${i ? ',' : '['}\n${inner}`;
      yield* skipped(v[i]) ? ['null'] : pieces(v[i], inner, depth - 1);
    }
    yield v.length ? `\n${indent}]` : '[]';
    return;
  }
  const obj = v as Record<string, unknown>;
  let first = true;
  for (const k of Object.keys(obj)) {
    if (skipped(obj[k])) continue;
    yield `${first ? '{' : ','}\n${inner}${JSON.stringify(k)}: `;
    first = false;
    yield* pieces(obj[k], inner, depth - 1);
  }
  yield first ? '{}' : `\n${indent}}`;
}

/** Values JSON leaves out of an object (and writes as null in an array). */
function skipped(x: unknown): boolean {
  return x === undefined || typeof x === 'function' || typeof x === 'symbol';
}
