/**
 * Unmatched items: `guid` = `local://<ratingKey>` (WebTools #441, PlexTraktSync `unmatched --local`). This only
 * says the section's PRIMARY agent found nothing: PGMA's site agents contribute to an umbrella primary agent
 * that always matches, so a PGMA failure almost never shows here (item success for them is read from the
 * plug-in logs, DESIGN.md "item success"). Sections with the Personal Media agent
 * (`com.plexapp.agents.none`) are skipped: their items are never matched on purpose.
 */
import { listSections, listSectionItems, type Section } from './library.ts';
import { isUnmatchedGuid, type PlexItem } from './metadata.ts';
import type { PlexConnection } from './request.ts';

export const PERSONAL_MEDIA_AGENT = 'com.plexapp.agents.none';

/** Unmatched items per section, with the section they belong to. Episodes count when their show is unmatched. */
export async function listUnmatched(conn: PlexConnection, sections?: Section[]): Promise<Array<{ section: Section; item: PlexItem }>> {
  const out: Array<{ section: Section; item: PlexItem }> = [];
  for (const section of sections ?? (await listSections(conn))) {
    if (section.agent === PERSONAL_MEDIA_AGENT) continue;
    for (const item of await listSectionItems(conn, section.key)) {
      if (isUnmatchedGuid(item.guid) || (item.grandparentGuid !== undefined && isUnmatchedGuid(item.grandparentGuid))) {
        out.push({ section, item });
      }
    }
  }
  return out;
}
