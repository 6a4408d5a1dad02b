/**
 * Library routes: sections, section refresh, section listings (paging, `type`/`title`/`year`/`unmatched` filters), items,
 * refresh, matches/match/unmatch, `/activities` and `/status/sessions` (reference plex-api.md §2–§4).
 */
import { el, mediaContainer, type Element } from './container.ts';
import { send, sendError, sendOk, type Ctx, type Route } from './http.ts';
import { agentGuid, localGuid, type Item } from './library.ts';
import { mediaFor } from './agents.ts';
import { libraryAllView, metadataView, sectionAllView, sectionsView, LIBRARY_IDENTIFIER, MEDIA_TAG_PREFIX, MEDIA_TAG_VERSION, type Page } from './views.ts';
import type { EmulatorState } from './state.ts';

/** Paging from `X-Plex-Container-Start/Size` (header or query); `paged` when either was given. */
export function pageOf(ctx: Ctx, total: number): Page & { size: number } {
  const startRaw = ctx.plexParam('X-Plex-Container-Start');
  const sizeRaw = ctx.plexParam('X-Plex-Container-Size');
  const offset = Math.max(0, Number.parseInt(startRaw ?? '0', 10) || 0);
  const size = sizeRaw === undefined ? total : Math.max(0, Number.parseInt(sizeRaw, 10) || 0);
  return { offset, size, totalSize: total, paged: startRaw !== undefined || sizeRaw !== undefined };
}

function pagingHeaders(page: Page): Record<string, string> {
  return page.paged ? { 'X-Plex-Container-Start': String(page.offset), 'X-Plex-Container-Total-Size': String(page.totalSize) } : {};
}

/** Applies Plex's listing filters: `type` (1 = movie), `title` (substring, any case), `year`, `unmatched`. */
export function filterItems(s: EmulatorState, items: Item[], q: URLSearchParams): Item[] {
  const type = q.get('type');
  if (type !== null && type !== '1') return [];
  let out = items;
  const title = q.get('title');
  if (title) out = out.filter((i) => s.lib.combined(i).title.toLowerCase().includes(title.toLowerCase()));
  const year = q.get('year');
  if (year) out = out.filter((i) => String(s.lib.combined(i).year ?? '') === year);
  const unmatched = q.get('unmatched');
  if (unmatched === '1') out = out.filter((i) => i.guid.startsWith('local://'));
  if (unmatched === '0') out = out.filter((i) => !i.guid.startsWith('local://'));
  return out;
}

function sendPage(ctx: Ctx, items: Item[], view: (slice: Item[], page: Page) => Element): void {
  const page = pageOf(ctx, items.length);
  const slice = items.slice(page.offset, page.offset + page.size);
  send(ctx, view(slice, page), pagingHeaders(page));
}

function itemOr404(s: EmulatorState, ctx: Ctx, key: string): Item | undefined {
  const item = s.lib.items.get(key);
  if (!item) sendError(ctx.res, 404);
  return item;
}

/** The library routes over the emulator state. */
export function libraryRoutes(s: EmulatorState): Route[] {
  return [
    { methods: ['GET'], pattern: /^\/library\/sections\/?$/, auth: true, handle: (ctx) => send(ctx, sectionsView(s.lib)) },
    {
      methods: ['GET'], pattern: /^\/library\/sections\/(\d+)\/all$/, auth: true,
      handle(ctx) {
        const section = s.lib.sections.get(Number(ctx.params[0]));
        if (!section) return sendError(ctx.res, 404);
        const items = filterItems(s, s.lib.sectionItems(section.spec.id), ctx.url.searchParams);
        sendPage(ctx, items, (slice, page) => sectionAllView(s.lib, section, slice, page));
      },
    },
    {
      // "Refresh All Metadata" (force=1) queues every item; a plain scan finds no new files in the sandbox.
      methods: ['GET', 'POST'], pattern: /^\/library\/sections\/(\d+)\/refresh$/, auth: true,
      handle(ctx) {
        const section = s.lib.sections.get(Number(ctx.params[0]));
        if (!section) return sendError(ctx.res, 404);
        if (ctx.url.searchParams.get('force') === '1') for (const i of s.lib.sectionItems(section.spec.id)) s.queue.enqueue(i);
        else {
          const scan = s.activities.start('library.update.section', `Scanning ${section.spec.title}`, { librarySectionID: section.spec.id });
          section.scannedAt = s.nowSeconds();
          setTimeout(() => s.activities.end(scan, { librarySectionID: section.spec.id }), 20);
        }
        sendOk(ctx);
      },
    },
    {
      methods: ['GET'], pattern: /^\/library\/all$/, auth: true,
      handle(ctx) {
        const all = [...s.lib.sections.keys()].flatMap((id) => s.lib.sectionItems(id));
        sendPage(ctx, filterItems(s, all, ctx.url.searchParams), (slice, page) => libraryAllView(s.lib, slice, page));
      },
    },
    {
      methods: ['GET'], pattern: /^\/library\/metadata\/([^/]+)$/, auth: true,
      handle(ctx) {
        const keys = decodeURIComponent(ctx.params[0]!).split(',');
        const items = keys.map((k) => s.lib.items.get(k)).filter((i): i is Item => i !== undefined);
        if (items.length === 0) return sendError(ctx.res, 404);
        send(ctx, metadataView(s.lib, items));
      },
    },
    {
      methods: ['PUT', 'POST'], pattern: /^\/library\/metadata\/([^/]+)\/refresh$/, auth: true,
      handle(ctx) {
        const keys = decodeURIComponent(ctx.params[0]!).split(',');
        const items = keys.map((k) => s.lib.items.get(k));
        if (items.some((i) => i === undefined)) return sendError(ctx.res, 404);
        for (const i of items) s.queue.enqueue(i!);
        sendOk(ctx);
      },
    },
    {
      methods: ['GET', 'PUT'], pattern: /^\/library\/metadata\/([^/]+)\/matches$/, auth: true,
      async handle(ctx) {
        const item = itemOr404(s, ctx, ctx.params[0]!);
        if (!item) return;
        const q = ctx.url.searchParams;
        const agent = q.get('agent') || item.section.spec.agent;
        const lang = q.get('language') || item.section.spec.language || 'en';
        const media = mediaFor(item);
        if (q.get('title')) media.name = q.get('title')!;
        if (q.get('year')) media.year = Number(q.get('year'));
        const plugin = s.plugins.plugin(agent);
        let results: Awaited<ReturnType<NonNullable<typeof plugin>['search']>> = [];
        if (plugin) {
          try {
            results = await plugin.search(media, lang, q.get('manual') === '1');
          } catch {
            results = [];
          }
        }
        const sorted = [...results].sort((a, b) => b.score - a.score);
        send(ctx, mediaContainer({ identifier: LIBRARY_IDENTIFIER, mediaTagPrefix: MEDIA_TAG_PREFIX, mediaTagVersion: MEDIA_TAG_VERSION },
          sorted.map((r) => el('SearchResult', { type: 'movie', guid: agentGuid(agent, r.id, r.lang || lang), name: r.name, year: r.year, score: r.score }))));
      },
    },
    {
      methods: ['PUT'], pattern: /^\/library\/metadata\/([^/]+)\/match$/, auth: true,
      handle(ctx) {
        const item = itemOr404(s, ctx, ctx.params[0]!);
        if (!item) return;
        const guid = ctx.url.searchParams.get('guid');
        if (!guid || !guid.includes('://')) return sendError(ctx.res, 400);
        item.guid = guid;
        item.contributions.clear();
        s.queue.enqueue(item);
        sendOk(ctx);
      },
    },
    {
      methods: ['PUT'], pattern: /^\/library\/metadata\/([^/]+)\/unmatch$/, auth: true,
      handle(ctx) {
        const item = itemOr404(s, ctx, ctx.params[0]!);
        if (!item) return;
        item.guid = localGuid(item.ratingKey);
        item.contributions.clear();
        s.lib.touch(item, s.nowSeconds());
        s.changed();
        sendOk(ctx);
      },
    },
    { methods: ['GET'], pattern: /^\/activities\/?$/, auth: true, handle: (ctx) => send(ctx, s.activities.view()) },
    { methods: ['GET'], pattern: /^\/status\/sessions\/?$/, auth: true, handle: (ctx) => send(ctx, sessionsView(s)) },
  ];
}

/** A playback session someone has open (configurable for tests of "only restart when nobody watches"). */
export interface Session {
  user: string;
  ratingKey?: string;
  title: string;
  state: 'playing' | 'paused' | 'buffering';
  player?: string;
}

/** `GET /status/sessions`: one `Video` per session with its `User` and `Player`. */
export function sessionsView(s: EmulatorState): Element {
  return mediaContainer({}, s.sessions.map((x, i) => {
    const item = x.ratingKey ? s.lib.items.get(x.ratingKey) : undefined;
    return el('Video', {
      ratingKey: x.ratingKey,
      key: x.ratingKey ? `/library/metadata/${x.ratingKey}` : undefined,
      sessionKey: String(i + 1),
      type: 'movie',
      title: item ? s.lib.combined(item).title : x.title,
      librarySectionID: item?.section.spec.id,
    }, [
      { tag: 'User', attrs: { id: String(i + 1), title: x.user }, single: true },
      { tag: 'Player', attrs: { title: x.player ?? 'Living Room TV', state: x.state, local: true }, single: true },
    ], 'Metadata');
  }));
}
