/**
 * The pattern table: events grouped into patterns of class × agent × (status/host | code site | mined
 * template), each with a count, the distinct items it touched, first/last time and ONE example (redacted,
 * clipped). Pattern ids hash the grouping key, so the same error gets the same id in every run; for
 * unknown errors the key holds the template id, which persists in `templates.json` (templates.ts).
 */
import { createHash } from 'node:crypto';
import { redact } from '../redact.ts';
import type { Classification } from './classify.ts';
import { maskMessage } from './mask.ts';
import type { EventClass, LogEvent, Pattern } from './schema.ts';
import type { Cluster, TemplateMiner } from './templates.ts';

/** Longest example message kept (a megabyte line stays readable in the report). */
export const MAX_EXAMPLE = 8192;
/** Longest text handed to masking and mining. */
const MAX_TEMPLATE_INPUT = 2048;

interface PatternAcc {
  key: string;
  class: EventClass;
  agent: string;
  cluster?: Cluster;
  template: string;
  count: number;
  /** The item rows touched (the aggregator's small item numbers: cheaper than their keys). */
  items: Set<number>;
  status?: number;
  host?: string;
  example: LogEvent;
  firstSeen?: string;
  lastSeen?: string;
}

/** Clips a text to `n` characters, saying how much was cut. */
export function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n)}… (${s.length - n} more characters)`;
}

/**
 * What a PGMA error was doing, without the detail: text up to the first `:` or `,` after an
 * `Error:`/`Error::`/`Warning:` prefix, masked (`Error: Getting Synopsis`, `Error getting Site Title`).
 * Keeps one pattern per code site while names, titles and numbers vary.
 */
export function messageHead(message: string): string {
  const pre = /^(?:Error|Warning)\s*:{1,2}\s*/i.exec(message);
  const start = pre ? pre[0].length : 0;
  const rest = message.slice(start);
  const cut = rest.search(/[:,]/);
  return maskMessage(message.slice(0, start) + (cut >= 0 ? rest.slice(0, cut) : rest));
}

/** Patterns of one run, bounded by the number of distinct grouping keys. */
export class PatternTable {
  private readonly patterns = new Map<string, PatternAcc>();
  private readonly clusterKeys = new Map<Cluster, number>();
  private readonly scrubbed = new Map<string, string>();
  private readonly heads = new Map<string, string>();

  constructor(private readonly miner: TemplateMiner, private readonly knownTokens: readonly string[] = []) {}

  get size(): number {
    return this.patterns.size;
  }

  /** Counts one event; returns its pattern key (operations remember it to count distinct items). */
  add(ev: LogEvent, cls: Classification): string {
    const { key, cluster } = this.keyOf(ev, cls);
    let p = this.patterns.get(key);
    if (!p) {
      const example: LogEvent = { ...ev, message: this.scrub(clip(ev.message, MAX_EXAMPLE)) };
      if (example.url) example.url = this.scrub(clip(example.url, MAX_EXAMPLE));
      let template = maskMessage(clip(ev.message, MAX_TEMPLATE_INPUT));
      if (cls.groupByRule) template = template.replace(/\[[^\]]*\]/g, '[<*>]').replace(/^(Exception writing to ).*?( \(most recent call last\):?)?$/, '$1<PATH>$2');
      p = { key, class: ev.class, agent: ev.agent, template: this.scrub(template), count: 0, items: new Set(), example };
      if (cluster) p.cluster = cluster;
      if (ev.status !== undefined) p.status = ev.status;
      if (ev.host) p.host = ev.host;
      this.patterns.set(key, p);
    }
    p.count++;
    if (ev.ts) {
      if (!p.firstSeen || ev.ts < p.firstSeen) p.firstSeen = ev.ts;
      if (!p.lastSeen || ev.ts > p.lastSeen) p.lastSeen = ev.ts;
    }
    return key;
  }

  /** Records that the pattern `key` touched the item numbered `itemId` (one number per distinct item). */
  touchItem(key: string, itemId: number): void {
    this.patterns.get(key)?.items.add(itemId);
  }

  /** The patterns, most frequent first (call after the miner's `finalize()`). */
  list(): Pattern[] {
    const out: Pattern[] = [];
    for (const p of this.patterns.values()) {
      const finalKey = p.cluster ? p.key.replace(/\|#\d+$/, `|${p.cluster.id}`) : p.key;
      const pat: Pattern = {
        id: 'p-' + createHash('sha256').update(finalKey).digest('hex').slice(0, 12),
        class: p.class,
        agent: p.agent,
        template: p.cluster ? this.scrub(p.cluster.tokens.join(' ')) : p.template,
        count: p.count,
        items: p.items.size,
        example: p.cluster ? { ...p.example, templateId: p.cluster.id } : p.example,
      };
      if (p.status !== undefined) pat.status = p.status;
      if (p.host) pat.host = p.host;
      if (p.firstSeen) pat.firstSeen = p.firstSeen;
      if (p.lastSeen) pat.lastSeen = p.lastSeen;
      out.push(pat);
    }
    return out.sort((a, b) => b.count - a.count || cmp(a.class, b.class) || cmp(a.agent, b.agent) || cmp(a.id, b.id));
  }

  /**
   * Token redaction for everything that leaves the aggregator: src/redact.ts (URL parameter, header,
   * `plextoken`, known values) plus the PGMA fork's `prefPLEXTOKEN` dump label. Cached: texts repeat.
   */
  scrub(text: string): string {
    const hit = this.scrubbed.get(text);
    if (hit !== undefined) return hit;
    const out = redact(text, this.knownTokens).replace(/(\w*plextoken\w*[\s:=]+)([A-Za-z0-9_\-]{8,})/gi, '$1<redacted>');
    if (this.scrubbed.size > 4096) this.scrubbed.clear();
    this.scrubbed.set(text, out);
    return out;
  }

  private keyOf(ev: LogEvent, cls: Classification): { key: string; cluster?: Cluster } {
    const base = `${ev.class}|${ev.agent}|${ev.status ?? ''}|${ev.host ?? ''}`;
    if (ev.class === 'unknown_error') {
      // Redacted before masking: a masked token (`SECRET-TOKEN-<NUM>`) no longer matches its known value.
      const cluster = this.miner.add(maskMessage(clip(this.scrub(ev.message), MAX_TEMPLATE_INPUT)));
      let n = this.clusterKeys.get(cluster);
      if (n === undefined) this.clusterKeys.set(cluster, (n = this.clusterKeys.size + 1));
      return { key: `${base}|#${n}`, cluster };
    }
    if (ev.class === 'http_error') return { key: base };
    if (ev.class === 'agent_exception') {
      // By file and function, not line: the same bug moves when the file is edited (the example keeps the line).
      const loc = ev.location ? `${ev.location.file}|${ev.location.function ?? ''}` : this.head(ev.message);
      return { key: `${base}|${ev.exceptionType ?? ''}|${loc}` };
    }
    if (ev.class === 'framework_noise') return { key: `${base}|${cls.rule}` };
    if (cls.groupByRule) return { key: `${base}|${cls.rule}|${ev.exceptionType ?? ''}` };
    return { key: `${base}|${cls.rule}|${this.head(ev.message)}` };
  }

  private head(message: string): string {
    let h = this.heads.get(message);
    if (h === undefined) {
      h = messageHead(message);
      if (this.heads.size > 4096) this.heads.clear();
      this.heads.set(message, h);
    }
    return h;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
