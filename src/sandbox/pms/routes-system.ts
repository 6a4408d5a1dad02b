/**
 * Server and plug-in routes: `/identity` (no token, like PMS), `/`, `/system/agents` (+ agent order per media
 * type), `/:/plugins`, `/:/plugins/<id>/restart`, `/:/plugins/<id>/prefs` (get; set by `prefs/set?id=value` or
 * `PUT prefs?id=value`) (reference plex-api.md §1, §5).
 */
import { el, mediaContainer } from './container.ts';
import { send, sendError, sendOk, type Route } from './http.ts';
import { MOVIE_TYPE, SYSTEM_PLUGIN } from './plugins.ts';
import type { EmulatorState } from './state.ts';

/** Query parameters that are request metadata, never preference values. */
function prefChanges(q: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of q) if (!/^X-Plex-/i.test(k)) out[k] = v;
  return out;
}

/** The server, agent and plug-in routes over the emulator state. */
export function systemRoutes(s: EmulatorState): Route[] {
  const setPrefs: Route['handle'] = async (ctx) => {
    const id = decodeURIComponent(ctx.params[0]!);
    const entry = s.plugins.get(id);
    if (!entry) return sendError(ctx.res, 404);
    let changed: string[];
    try {
      changed = await entry.prefs.set(prefChanges(ctx.url.searchParams));
    } catch {
      return sendError(ctx.res, 400);
    }
    if (changed.length > 0) {
      // The framework applies a set in the running plug-in; a host that cannot reload restarts instead.
      if (entry.spec.plugin.reloadPrefs) await entry.spec.plugin.reloadPrefs();
      else await s.plugins.restart(id, 'prefs');
    }
    sendOk(ctx);
  };
  return [
    {
      methods: ['GET'], pattern: /^\/identity\/?$/, auth: false,
      handle: (ctx) => send(ctx, mediaContainer({ apiVersion: '1.1.1', claimed: true, machineIdentifier: s.machineIdentifier, version: s.version })),
    },
    {
      methods: ['GET'], pattern: /^\/$/, auth: true,
      handle: (ctx) => send(ctx, mediaContainer({
        size: 0, allowMediaDeletion: false, friendlyName: s.friendlyName, machineIdentifier: s.machineIdentifier,
        myPlex: false, platform: process.platform === 'darwin' ? 'MacOSX' : process.platform === 'win32' ? 'Windows' : 'Linux',
        version: s.version,
      })),
    },
    {
      methods: ['GET'], pattern: /^\/system\/agents\/?$/, auth: true,
      handle(ctx) {
        const mt = ctx.url.searchParams.get('mediaType');
        send(ctx, s.plugins.agentsView(mt === null ? undefined : Number(mt)));
      },
    },
    {
      methods: ['GET', 'PUT'], pattern: /^\/system\/agents\/([^/]+)\/config\/(\d+)$/, auth: true,
      handle(ctx) {
        const agent = decodeURIComponent(ctx.params[0]!);
        if (Number(ctx.params[1]) !== MOVIE_TYPE) return sendError(ctx.res, 404);
        const sections = [...s.lib.sections.values()].filter((x) => x.spec.agent === agent);
        const order = ctx.url.searchParams.get('order');
        if (ctx.method === 'PUT' && order !== null) {
          const ids = order.split(',').map((x) => x.trim()).filter(Boolean);
          for (const sec of sections) sec.contributors = ids.filter((x) => x !== agent);
          return sendOk(ctx);
        }
        const contributors = sections[0]?.contributors ?? [];
        send(ctx, mediaContainer({ identifier: agent }, [agent, ...contributors].map((id) => el('Agent', { identifier: id, enabled: true }))));
      },
    },
    { methods: ['GET'], pattern: /^\/:\/plugins\/?$/, auth: true, handle: (ctx) => send(ctx, s.plugins.pluginsView()) },
    {
      methods: ['GET', 'PUT', 'POST'], pattern: /^\/:\/plugins\/([^/]+)\/restart$/, auth: true,
      async handle(ctx) {
        const id = decodeURIComponent(ctx.params[0]!);
        if (id === SYSTEM_PLUGIN) return sendOk(ctx); // the emulator's own System plug-in: nothing to restart
        const entry = await s.plugins.restart(id, 'http');
        if (!entry) return sendError(ctx.res, 404);
        sendOk(ctx);
      },
    },
    {
      methods: ['GET', 'PUT'], pattern: /^\/:\/plugins\/([^/]+)\/prefs$/, auth: true,
      async handle(ctx) {
        if (ctx.method === 'PUT') return setPrefs(ctx);
        const entry = s.plugins.get(decodeURIComponent(ctx.params[0]!));
        if (!entry) return sendError(ctx.res, 404);
        send(ctx, await entry.prefs.view());
      },
    },
    { methods: ['GET', 'PUT'], pattern: /^\/:\/plugins\/([^/]+)\/prefs\/set$/, auth: true, handle: setPrefs },
  ];
}
