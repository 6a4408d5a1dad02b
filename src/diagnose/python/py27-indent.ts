/**
 * Python 2.7's indentation rules, for the parser-level check. tree-sitter-python's scanner is lenient
 * about indentation (it accepts a dedent to a column no block opened, an indented line after a simple
 * statement, a compound header with no block), so these rules follow CPython 2.7's own tokenizer
 * instead (Parser/tokenizer.c):
 * - only the first line of a logical line counts; blank and comment-only lines, lines inside brackets,
 *   after a backslash continuation or inside a triple-quoted string do not;
 * - a space advances the column by one, a tab to the next multiple of 8, a form feed resets it to 0.
 *   CPython 2.7 compares only these columns unless run with `-tt` (not the default, and not how Plex
 *   runs agents), so tabs and spaces mixed consistently under the 8-column rule are accepted. A
 *   comment holding an editor setting (`tab-width: 4`, `vim:ts=4`) changes the tab size for the lines
 *   after it, as CPython 2.7's tokenizer does (see {@link commentTabSize});
 * - a deeper line opens a block only after a line ending in `:` ("unexpected indent" otherwise), a
 *   line ending in `:` must be followed by a deeper one ("expected an indented block"), and a
 *   shallower line must return to a column an open block started at ("unindent does not match any
 *   outer indentation level").
 * Like a compiler, only the first indentation error is reported. Jython 2.7 differs in two places: it
 * ignores editor tab-size settings and does not reset the column at a form feed inside indentation;
 * CPython 2.7 (what Plex embeds) is followed.
 * Pure: text in, issues out.
 */
import type { Py27Issue } from './py27-rules.ts';

/** The first physical line of a logical line: its 1-based number, its column, whether it ends in `:`. */
export interface LogicalLine {
  readonly line: number;
  /** Python 2 column of the first token (tab = next multiple of 8, form feed = 0). */
  readonly column: number;
  /** Characters of leading whitespace (spaces, tabs, form feeds) as written. */
  readonly indentLength: number;
  /** Offset of the line's first character in the text. */
  readonly offset: number;
  /** Tab size in effect on this line (8 unless a comment before it set another, see {@link commentTabSize}). */
  readonly tabSize: number;
  /** The logical line's last token (comments excluded) is `:`, i.e. a compound statement header. */
  readonly opensBlock: boolean;
}

/** Python 2 column after the whitespace `ws` (spaces, tabs, form feeds), with tab stops every `tabSize`. */
export function py2Column(ws: string, tabSize = 8): number {
  let col = 0;
  for (const c of ws) {
    if (c === ' ') col++;
    else if (c === '\t') col = (Math.floor(col / tabSize) + 1) * tabSize;
    else if (c === '\f') col = 0;
  }
  return col;
}

/** Editor settings CPython 2.7's tokenizer reads from any comment to change the tab size (1–40). */
const TAB_SIZE_FORMS = ['tab-width:', ':tabstop=', ':ts=', 'set tabsize='] as const;

/**
 * The tab size a comment sets, as CPython 2.7 reads it: the first 79 characters after `#`, any of
 * {@link TAB_SIZE_FORMS} followed by a number from 1 to 40 (Emacs `tab-width: 4`, vim `vim:ts=4`);
 * undefined when it sets none. Jython ignores these.
 */
export function commentTabSize(comment: string): number | undefined {
  const head = comment.slice(1, 80);
  let size: number | undefined;
  for (const form of TAB_SIZE_FORMS) {
    const at = head.indexOf(form);
    if (at < 0) continue;
    const m = /^\s*([+-]?\d+)/.exec(head.slice(at + form.length));
    const n = m ? Number(m[1]) : 0;
    if (n >= 1 && n <= 40) size = n;
  }
  return size;
}

/**
 * Splits Python source into logical lines the way Python 2's tokenizer does (strings with any prefix,
 * triple quotes, comments, brackets, backslash continuations). Also returns the number of the last
 * physical line that holds anything but whitespace (where CPython reports an error at end of file).
 */
export function logicalLines(text: string): { lines: LogicalLine[]; lastContentLine: number } {
  const lines: LogicalLine[] = [];
  let lastContentLine = 0;
  let lineNo = 1;
  let i = 0;
  let depth = 0;
  let continued = false;
  let current: Omit<LogicalLine, 'opensBlock'> | null = null;
  let last = '';
  let tabSize = 8;
  const finish = () => {
    if (current) lines.push({ ...current, opensBlock: last === ':' });
    current = null;
    last = '';
  };
  const newline = () => {
    lineNo++;
    if (depth === 0 && !continued) finish();
    continued = false;
  };

  while (i < text.length) {
    // at the start of a physical line
    const lineStart = i;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\f' || text[i] === '\r')) i++;
    const c = text[i];
    if (c === undefined) break;
    if (c === '\n') {
      i++;
      newline();
      continue;
    }
    lastContentLine = lineNo;
    if (c !== '#' && !current && depth === 0 && !continued) {
      const ws = text.slice(lineStart, i).replace(/\r/g, '');
      current = { line: lineNo, column: py2Column(ws, tabSize), indentLength: i - lineStart, offset: lineStart, tabSize };
    }
    continued = false;
    // the rest of the physical line (and any string that runs on past it)
    while (i < text.length && text[i] !== '\n') {
      const ch = text[i]!;
      if (ch === '#') {
        const start = i;
        while (i < text.length && text[i] !== '\n') i++;
        tabSize = commentTabSize(text.slice(start, i)) ?? tabSize;
        break;
      }
      if (ch === '"' || ch === "'") {
        const quote = text.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
        i += quote.length;
        while (i < text.length && !text.startsWith(quote, i)) {
          if (text[i] === '\\') {
            const skip = text[i + 1] === '\r' && text[i + 2] === '\n' ? 3 : 2;
            if (text[i + skip - 1] === '\n') lineNo++;
            i += skip;
            continue;
          }
          if (text[i] === '\n') {
            if (quote.length === 1) break; // unterminated: the parser reports it
            lineNo++;
            lastContentLine = lineNo;
          }
          i++;
        }
        if (text.startsWith(quote, i)) i += quote.length;
        last = ch;
        continue;
      }
      if (ch === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
        continued = true;
        i++;
        while (text[i] === '\r') i++;
        continue;
      }
      if (ch === '(' || ch === '[' || ch === '{') depth++;
      else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
      if (ch !== ' ' && ch !== '\t' && ch !== '\f' && ch !== '\r') last = ch;
      i++;
    }
    if (i < text.length) {
      i++;
      newline();
    }
  }
  finish();
  return { lines, lastContentLine };
}

function indentationIssue(line: number, column: number, message: string): Py27Issue {
  return { rule: 'indentation', line, column, message };
}

/**
 * Checks Python 2.7's indentation rules (see the module comment); returns at most one issue, the
 * first, with CPython 2.7's wording.
 */
export function checkPy27Indentation(text: string): Py27Issue[] {
  const { lines, lastContentLine } = logicalLines(text);
  const stack = [0];
  let previous: LogicalLine | null = null;
  for (const l of lines) {
    const top = stack[stack.length - 1]!;
    const expectBlock = previous?.opensBlock ?? false;
    if (l.column > top) {
      if (!expectBlock) return [indentationIssue(l.line, l.indentLength + 1, 'unexpected indent')];
      stack.push(l.column);
    } else {
      if (expectBlock) return [indentationIssue(l.line, l.indentLength + 1, 'expected an indented block')];
      while (l.column < stack[stack.length - 1]!) stack.pop();
      if (l.column !== stack[stack.length - 1]) {
        return [indentationIssue(l.line, l.indentLength + 1, 'unindent does not match any outer indentation level')];
      }
    }
    previous = l;
  }
  if (previous?.opensBlock) return [indentationIssue(Math.max(previous.line, lastContentLine), 1, 'expected an indented block (end of file)')];
  return [];
}

/**
 * Same-length rewrites of leading whitespace that make tree-sitter-python see Python 2's indentation.
 * Its scanner counts a tab as 8 columns wherever it stands (Python 2: to the next tab stop), so a
 * line indented `" \t"` is 9 deep to it and 8 to Python, and a block can end up under the wrong
 * parent. Each logical line whose indentation holds a tab or form feed (or every logical line, once a
 * comment set a tab size other than 8) is rewritten as form feeds (which reset its count) followed by
 * one tab per tab stop and the remaining spaces: order and equality of indentation are kept and the
 * length is unchanged, so every node keeps its position. Tab sizes above 8 are left alone (unknown
 * in agent code). Returns the edits; none when no indentation holds a tab or form feed.
 */
export function treeSitterIndentation(text: string): { offset: number; text: string }[] {
  if (!/^[ \t\f]*[\t\f]/m.test(text)) return [];
  const edits: { offset: number; text: string }[] = [];
  for (const l of logicalLines(text).lines) {
    if (l.tabSize > 8) continue;
    const ws = text.slice(l.offset, l.offset + l.indentLength);
    if (l.tabSize === 8 && !/[\t\f]/.test(ws)) continue;
    const stops = Math.floor(l.column / l.tabSize);
    const spaces = l.column % l.tabSize;
    const fill = l.indentLength - stops - spaces;
    if (fill < 0) continue;
    const rewritten = '\f'.repeat(fill) + '\t'.repeat(stops) + ' '.repeat(spaces);
    if (rewritten !== ws) edits.push({ offset: l.offset, text: rewritten });
  }
  return edits;
}
