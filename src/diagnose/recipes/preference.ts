/**
 * Recipe: a preference change instead of code. Saved settings (`Plug-in Support/Preferences/<id>.xml`)
 * win over `DefaultPrefs.json`, so the change goes through Plex (`/:/plugins/<id>/prefs`) or the saved
 * preferences file, never the defaults file. Today: turning off an optional comparison (a boolean
 * preference whose id or label names the failing test, e.g. duration matching).
 */
import { emptyChange, type Recipe } from './types.ts';

const TEST_WORDS: Partial<Record<string, RegExp>> = {
  duration_match_failure: /duration/i,
  date_match_failure: /date|year/i,
  studio_match_failure: /studio/i,
};

export const preferenceChange: Recipe = {
  name: 'preference_change',
  async run(ctx) {
    const words = TEST_WORDS[ctx.group.class];
    const id = ctx.bundle.identifier;
    if (!words || !id) return { ok: false, reason: 'no preference is known to switch off this test' };
    // DefaultPrefs.json writes bool defaults as strings ("true") in PGMA's and Plex's bundles; JSON true counts too.
    const pref = ctx.bundle.prefs.find((p) => p.type === 'bool' && (words.test(p.id) || words.test(p.label)) && /match/i.test(`${p.id} ${p.label}`) && (p.default === true || p.default === 'true'));
    if (!pref) return { ok: false, reason: `${ctx.bundle.bundle} has no boolean matching preference for ${ctx.group.class.replace(/_/g, ' ')} that is on by default` };
    const change = emptyChange(
      `Turn off "${pref.label || pref.id}" for ${ctx.group.agent}`,
      `${ctx.group.items.length} items fail ${ctx.group.class.replace(/_/g, ' ')}; the test is optional (preference ${pref.id}).`,
      'preference',
    );
    change.preferences.push({ bundleId: id, key: pref.id, from: 'true', to: 'false', via: 'plex' });
    return { ok: true, ...change };
  },
};
