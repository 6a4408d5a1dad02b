/** The recipe registry: one implementation per recipe name (the data picks the recipe, not a chain of ifs). */
import type { RecipeName } from '../schema.ts';
import { requestHeaders } from './headers.ts';
import { retryBackoff } from './backoff.ts';
import { timeoutDelay } from './timeout.ts';
import { xpathRepair } from './xpath.ts';
import { titleNormalisation } from './normalise.ts';
import { gracefulDegradation } from './degrade.ts';
import { urlChange } from './url.ts';
import { preferenceChange } from './preference.ts';
import { workaround } from './workaround.ts';
import type { Recipe } from './types.ts';

const notAutomatic = (name: RecipeName, why: string): Recipe => ({ name, run: async () => ({ ok: false, reason: why }) });

export const RECIPE_IMPLS: Record<RecipeName, Recipe> = {
  request_headers: requestHeaders,
  retry_backoff: retryBackoff,
  timeout_delay: timeoutDelay,
  url_change: urlChange,
  xpath_repair: xpathRepair,
  title_normalisation: titleNormalisation,
  graceful_degradation: gracefulDegradation,
  search_string_length: notAutomatic('search_string_length', 'search-string shaping needs the site\'s limit, which the evidence does not give; not proposed automatically'),
  preference_change: preferenceChange,
  config_file: notAutomatic('config_file', 'configuration files (_PGMA/Thumbor.txt, tidy lists) hold site facts plexmend cannot know; see the workaround'),
  workaround,
};

export type { Recipe, RecipeContext, RecipeOutcome, RecipeChange } from './types.ts';
