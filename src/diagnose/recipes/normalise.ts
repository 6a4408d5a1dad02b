/**
 * Recipe: title normalisation. The agent's own title normaliser (found by inspection: its name and what
 * it does) gets one call at its start to a helper that folds the differences real sites and file names
 * show for the same title — typographic quotes and dashes, '&' and roman numerals (reference §5 class 4;
 * PGMA's own fixes #45/#46, #234). Works on byte strings and unicode alike under Python 2.7.
 */
import { afterImports, bodyStart, openBodyWith, splitLines, type SourceEdit } from './source.ts';
import { addEdits, bundleFiles, emptyChange, type Recipe } from './types.ts';

export const NORMALISE_HELPER = 'normaliseTitleForms';

export function normaliseHelper(): string[] {
  return [
    '',
    '',
    `def ${NORMALISE_HELPER}(text):`,
    "    # plexmend: fold typographic quotes and dashes, '&' and roman numerals so equal titles compare equal",
    '    try:',
    "        if not isinstance(text, type(u'')):",
    "            text = text.decode('utf-8')",
    '    except Exception:',
    '        return text',
    "    for old, new in ((u'\\u2018', u\"'\"), (u'\\u2019', u\"'\"), (u'\\u201a', u\"'\"), (u'\\u2032', u\"'\"),",
    "                     (u'\\u201c', u'\"'), (u'\\u201d', u'\"'), (u'\\u2013', u'-'), (u'\\u2014', u'-')):",
    '        text = text.replace(old, new)',
    "    text = text.replace(u'&', u' and ').replace(u'  ', u' ')",
    "    values = {u'I': 1, u'V': 5, u'X': 10, u'L': 50, u'C': 100, u'D': 500, u'M': 1000}",
    "    words = text.split(u' ')",
    '    for i in range(len(words)):',
    "        core = words[i].strip(u'.,:;!?()[]')",
    '        single = len(core) == 1 and core in (u\'V\', u\'X\') and i == len(words) - 1',
    '        if not (single or 2 <= len(core) <= 8) or not all(c in values for c in core):',
    '            continue',
    '        total = 0',
    '        for j in range(len(core)):',
    '            if j + 1 < len(core) and values[core[j + 1]] > values[core[j]]:',
    '                total = total - values[core[j]]',
    '            else:',
    '                total = total + values[core[j]]',
    "        rest = total",
    "        spelled = u''",
    "        for value, letters in ((1000, u'M'), (900, u'CM'), (500, u'D'), (400, u'CD'), (100, u'C'), (90, u'XC'),",
    "                               (50, u'L'), (40, u'XL'), (10, u'X'), (9, u'IX'), (5, u'V'), (4, u'IV'), (1, u'I')):",
    '            while rest >= value:',
    '                spelled = spelled + letters',
    '                rest = rest - value',
    '        if spelled == core:',
    "            words[i] = words[i].replace(core, u'%d' % total)",
    "    return u' '.join(words)",
  ];
}

export const titleNormalisation: Recipe = {
  name: 'title_normalisation',
  async run(ctx) {
    const files = bundleFiles(ctx);
    const candidates = files.flatMap((f) =>
      f.file.inspection.normalisers.filter((n) => n.role === 'title').map((n) => ({ f, n })),
    );
    if (candidates.length === 0) return { ok: false, reason: `no title-normalisation function found in ${ctx.bundle.bundle}` };
    // The one that does the most normalising is the comparison key builder.
    candidates.sort((a, b) => b.n.signals.length - a.n.signals.length);
    const { f, n } = candidates[0]!;
    const fn = f.file.inspection.functions.find((x) => x.line === n.line && x.name === n.name);
    const param = fn?.params.find((p) => p !== 'self' && !p.startsWith('*'));
    if (!fn || !param) return { ok: false, reason: `${n.qualifiedName} takes no title argument to normalise` };
    const lines = splitLines(ctx.text(f.file));
    if (lines.slice(fn.line - 1, fn.endLine).some((l) => l.includes(`${NORMALISE_HELPER}(`))) {
      return { ok: false, reason: `${n.name}() already folds quotes, dashes, '&' and roman numerals (an earlier fix): the remaining title failures have another cause` };
    }
    // First in its body (after a docstring of any length; a one-line def becomes a block), so the
    // title is folded on every path through the function, early returns included.
    const opening = await bodyStart(ctx.text(f.file), fn.line);
    if (!opening) return { ok: false, reason: `${n.qualifiedName} (line ${fn.line}) was not found as a function in ${f.path}` };
    const edits: SourceEdit[] = openBodyWith(opening, [`${param} = ${NORMALISE_HELPER}(${param})`], `fold title forms in ${n.name}`);
    const at = opening.kind === 'block' ? opening.afterLine : opening.line;
    if (!f.file.inspection.functions.some((x) => x.name === NORMALISE_HELPER)) {
      edits.push({ kind: 'insert', afterLine: afterImports(lines), lines: normaliseHelper(), why: `define ${NORMALISE_HELPER}` });
    }
    const change = emptyChange(
      `Fold quotes, dashes, '&' and roman numerals in ${n.name}()`,
      `${ctx.group.agent}'s title test fails although site and file name the same film (${ctx.group.items.length} items); ${n.name}() (${n.signals.join(', ')}) does not fold typographic apostrophes or roman numerals.`,
    );
    addEdits(change.edits, f.file.sha256, edits);
    change.evidence.push({ file: `${ctx.bundle.bundle}/${f.path}`, line: fn.line, text: (lines[fn.line - 1] ?? '').trim(), why: `the title normaliser (${n.signals.join(', ')})` });
    // Its first statement, where the titles arrive unfolded: after a long docstring this is several lines
    // below the def, and the checklist's code-location point needs the evidence at the edited line.
    if (at + 1 - fn.line > 3 && at < fn.endLine) {
      change.evidence.push({ file: `${ctx.bundle.bundle}/${f.path}`, line: at + 1, text: (lines[at] ?? '').trim(), why: `${n.name}() starts working on ${param} here, without folding title forms` });
    }
    return { ok: true, ...change };
  },
};
