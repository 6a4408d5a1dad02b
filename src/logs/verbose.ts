/**
 * Verbose content: what a plug-in log holds besides events and operation lines — DEBUG chatter, PGMA's
 * setup and preference dumps, separators and plain information. Counted per kind, left out of the report.
 */

export type VerboseKind = 'debug' | 'prefDump' | 'separator' | 'info';

/** PGMA's setup/preference dumps: numbered (`11. genrecollection`, `21.13.1. 1:`) or tab-indented lines. */
export function isDumpLine(text: string): boolean {
  const c = text.charCodeAt(0);
  if (c === 9) return true;
  if (c < 48 || c > 57) return false;
  return /^\d+(?:\.\d+)*\.\s/.test(text);
}

/**
 * The kind of an `<agent>  - UTILS :: …` info line (`dash`: index of its ` - `) that no rule, header or
 * comparison reads (setup dumps, field values), or null when the line may matter (it is not such a line,
 * or its text starts like a File…/Request…/Title…/Studio…/Date… field, a ❌/⚠ mark or a banner).
 * Hand-written: it runs on most lines of a PGMA log.
 */
export function utilsInfoKind(msg: string, agent: string, dash: number): VerboseKind | null {
  if (dash !== agent.length + 1 || !msg.startsWith(agent) || !msg.startsWith('UTILS :: ', dash + 3)) return null;
  let i = dash + 12;
  while (msg.charCodeAt(i) === 32) i++;
  const c = msg.charCodeAt(i);
  if (c === 9 || (c >= 48 && c <= 57)) return isDumpLine(msg.slice(i, i + 16)) ? 'prefDump' : 'info';
  if (c === 70 || c === 82 || c === 84 || c === 83 || c === 68 || c === 0x274c || c === 0x26a0 || c === 42 || c === 45) return null; // F R T S D, marks, banners
  return 'info';
}
