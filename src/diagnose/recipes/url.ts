/**
 * Recipe: URL/scheme change. When a URL constant for the failing host uses http and the site answers
 * over https (or the reverse), the constant is switched (PGMA b1ec057: IAFD moved to https). The new
 * URL is probed first; nothing is proposed on a guess.
 */
import { pyString, splitLines } from './source.ts';
import { addEdits, bundleFiles, emptyChange, type Recipe } from './types.ts';

export const urlChange: Recipe = {
  name: 'url_change',
  async run(ctx) {
    const host = ctx.group.host;
    if (!host) return { ok: false, reason: 'the evidence names no host' };
    for (const f of bundleFiles(ctx)) {
      for (const c of f.file.inspection.urlConstants.filter((u) => u.hosts.includes(host))) {
        const m = /^(https?):\/\//.exec(c.value);
        if (!m) continue;
        const swapped = c.value.replace(/^https?/, m[1] === 'http' ? 'https' : 'http');
        const probeUrl = swapped.replace(/\{[^}]*\}/g, '');
        let status: number | null = null;
        try {
          status = (await ctx.http.get(probeUrl, {}, 15000)).status;
        } catch {
          status = null;
        }
        if (status === null || status >= 400) continue;
        const lines = splitLines(ctx.text(f.file));
        const change = emptyChange(
          `Use ${swapped.split('/').slice(0, 3).join('/')} for ${c.name}`,
          `${c.value} fails (${ctx.group.status ?? ctx.group.class}); ${probeUrl} answers ${status}.`,
        );
        addEdits(change.edits, f.file.sha256, [
          { kind: 'transform', line: c.line, fn: (l) => l.replace(/(['"])https?:\/\/[^'"]*\1/, pyString(swapped)), why: `switch ${c.name}` },
        ]);
        change.evidence.push({ file: `${ctx.bundle.bundle}/${f.path}`, line: c.line, text: (lines[c.line - 1] ?? '').trim(), why: `URL constant for ${host}` });
        return { ok: true, ...change };
      }
    }
    return { ok: false, reason: `no URL constant for ${host} whose other scheme answers` };
  },
};
