/**
 * Drain-style template mining for ERROR/CRITICAL lines no rule knows (`unknown_error`). Messages are masked
 * first (mask.ts), then placed in a fixed-depth prefix tree (token count, then the first `depth` tokens)
 * and joined to the most similar cluster when the share of equal tokens reaches `threshold`; joining
 * generalises differing tokens to `<*>`. No I/O here: state goes in and out as a `plexmend.templates/1`
 * document through a small storage port (in-memory and file adapters below).
 *
 * Template ids are stable across runs and input orders: a new cluster's id is the hash of its template as
 * it stands when the run that created it ends, and a persisted id is kept when the template generalises.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineDocument } from '../documents.ts';

export const templateStateSchema = z.object({
  schema: z.literal('plexmend.templates/1'),
  depth: z.number().int().min(1),
  threshold: z.number().min(0).max(1),
  templates: z.array(z.object({
    id: z.string(),
    template: z.string(),
    count: z.number().int().nonnegative(),
  })),
});
export type TemplateState = z.infer<typeof templateStateSchema>;
export const TemplateStateDocument = defineDocument('plexmend.templates/1', templateStateSchema);

/** Storage port for the miner's state (Drain3's persistence handler, as a versioned document). */
export interface TemplateStore {
  load(): Promise<TemplateState | null>;
  save(state: TemplateState): Promise<void>;
}

/** Keeps the state in memory (tests, one-off runs). */
export function memoryTemplateStore(initial: TemplateState | null = null): TemplateStore & { state: TemplateState | null } {
  const store = {
    state: initial,
    async load() {
      return store.state ? structuredClone(store.state) : null;
    },
    async save(s: TemplateState) {
      store.state = structuredClone(s);
    },
  };
  return store;
}

export interface MinerOptions {
  /** Prefix tokens used to pick a bucket (after the token count). Must be ≥ 1. Default 2. */
  depth?: number;
  /** Share of equal tokens needed to join a cluster, 0–1. Default 0.5. */
  threshold?: number;
}

/** A mined template. `id` is final only after `TemplateMiner.finalize()`. */
export interface Cluster {
  id: string;
  tokens: string[];
  count: number;
  /** True when the id came from persisted state. */
  persisted: boolean;
}

const WILD = '<*>';

/** Drain-style miner over masked messages: no I/O, settings checked on entry (RangeError). */
export class TemplateMiner {
  readonly depth: number;
  readonly threshold: number;
  private readonly buckets = new Map<string, Cluster[]>();
  private readonly all: Cluster[] = [];
  private provisional = 0;

  constructor(opts: MinerOptions = {}, state: TemplateState | null = null) {
    this.depth = opts.depth ?? state?.depth ?? 2;
    this.threshold = opts.threshold ?? state?.threshold ?? 0.5;
    if (!Number.isInteger(this.depth) || this.depth < 1) throw new RangeError(`template depth must be an integer ≥ 1, got ${this.depth}`);
    if (!(this.threshold >= 0 && this.threshold <= 1)) throw new RangeError(`template threshold must be within 0–1, got ${this.threshold}`);
    for (const t of state?.templates ?? []) {
      const c: Cluster = { id: t.id, tokens: t.template.split(' '), count: t.count, persisted: true };
      this.bucket(c.tokens).push(c);
      this.all.push(c);
    }
  }

  /** Adds one masked message; returns its cluster (created or generalised as needed). */
  add(masked: string): Cluster {
    const tokens = masked.split(' ');
    const list = this.bucket(tokens);
    let best: Cluster | null = null;
    let bestSim = -1;
    let bestWild = -1;
    for (const c of list) {
      let same = 0;
      let wild = 0;
      for (let i = 0; i < tokens.length; i++) {
        const t = c.tokens[i];
        if (t === WILD) wild++;
        else if (t === tokens[i]) same++;
      }
      const sim = same / tokens.length;
      if (sim > bestSim || (sim === bestSim && wild > bestWild)) {
        best = c;
        bestSim = sim;
        bestWild = wild;
      }
    }
    if (best && bestSim >= this.threshold) {
      for (let i = 0; i < tokens.length; i++) if (best.tokens[i] !== tokens[i]) best.tokens[i] = WILD;
      best.count++;
      return best;
    }
    const c: Cluster = { id: `new-${++this.provisional}`, tokens: tokens.slice(), count: 1, persisted: false };
    list.push(c);
    this.all.push(c);
    return c;
  }

  /** Gives new clusters their final ids (hash of the template); persisted ids are kept. */
  finalize(): void {
    const taken = new Set(this.all.filter((c) => c.persisted).map((c) => c.id));
    const fresh = this.all.filter((c) => !c.persisted).sort((a, b) => cmp(a.tokens.join(' '), b.tokens.join(' ')));
    for (const c of fresh) {
      const base = 't-' + createHash('sha256').update(c.tokens.join(' ')).digest('hex').slice(0, 12);
      let id = base;
      for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
      taken.add(id);
      c.id = id;
      c.persisted = true;
    }
  }

  /** The state to persist (call `finalize()` first). */
  state(): TemplateState {
    this.finalize();
    const templates = this.all
      .map((c) => ({ id: c.id, template: c.tokens.join(' '), count: c.count }))
      .sort((a, b) => cmp(a.id, b.id));
    return { schema: 'plexmend.templates/1', depth: this.depth, threshold: this.threshold, templates };
  }

  get size(): number {
    return this.all.length;
  }

  private bucket(tokens: string[]): Cluster[] {
    let key = String(tokens.length);
    for (let i = 0; i < this.depth && i < tokens.length; i++) {
      const t = tokens[i];
      key += '\u0000' + (t.includes('<') || /\d/.test(t) ? WILD : t);
    }
    let list = this.buckets.get(key);
    if (!list) this.buckets.set(key, (list = []));
    return list;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
