import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { PlexClient } from '../../src/plex/index.ts';
import { survey, surveyItems, renderSurvey, surveyDoc, lackingFields } from '../../src/plex/survey.ts';
import { parseItems } from '../../src/plex/metadata.ts';
import { parseDocument } from '../../src/documents.ts';
import { fixtureJson, startFakePlex, type FakePlex } from './fake-server.ts';

let s: FakePlex | undefined;
after(async () => s?.close());

test('lackingFields on the recorded listing: Big Buck Bunny has no Role in the listing, the rest have all four', () => {
  const items = parseItems(fixtureJson('section-all-movies-legacy-imdb.json'));
  assert.deepEqual(items.map((i) => [i.ratingKey, lackingFields(i)]), [['55', ['cast']], ['56', []], ['108', []], ['57', []]]);
  const rows = surveyItems(items);
  assert.deepEqual(rows.lacking, { summary: 0, poster: 0, cast: 1, releaseDate: 0 });
  assert.equal(rows.byAgent.length, 1);
  assert.deepEqual(rows.byAgent[0]!.examples.cast, ['55']);
});

test('survey against a server: per section and agent (unmatched apart), paged listings, versioned document and text', async () => {
  s = await startFakePlex({ extraItems: 6 });
  const client = new PlexClient({ url: s.url, token: s.token, clientIdentifier: 'plexmend-survey-test' });
  const r = await survey(client, { target: 'target: test', now: () => new Date('2026-01-02T03:04:05Z') });
  parseDocument(surveyDoc, JSON.parse(JSON.stringify(r)), 'survey');
  assert.deepEqual(r.sections.map((x) => [x.key, x.items]), [['1', 10], ['14', 0], ['2', 0]]);
  const movies = r.sections[0]!;
  assert.equal(movies.agent, 'com.plexapp.agents.imdb');
  assert.deepEqual(movies.lacking, { summary: 3, poster: 2, cast: 4, releaseDate: 4 });
  const imdb = movies.byAgent.find((x) => x.agent === 'com.plexapp.agents.imdb')!;
  const local = movies.byAgent.find((x) => x.agent === 'local')!;
  assert.equal(imdb.items, 8);
  assert.deepEqual(imdb.lacking, { summary: 2, poster: 1, cast: 3, releaseDate: 3 });
  assert.equal(local.items, 2);
  assert.deepEqual(local.lacking, { summary: 1, poster: 1, cast: 1, releaseDate: 1 });
  assert.deepEqual(r.totals, { items: 10, lacking: { summary: 3, poster: 2, cast: 4, releaseDate: 4 } });
  assert.equal(r.createdAt, '2026-01-02T03:04:05.000Z');
  const text = renderSurvey(r);
  assert.match(text, /section 1 "Movies" \(movie, primary agent com\.plexapp\.agents\.imdb\): 10 items/);
  assert.match(text, /local \(unmatched\)\s+2/);
  assert.match(text, /total: 10 items; lacking summary 3, poster 2, cast 4, release date 4/);
  const only = await survey(client, { target: 't', only: ['Movies'] });
  assert.deepEqual(only.sections.map((x) => x.key), ['1']);
});
