# -*- coding: utf-8 -*-
'''
Sandbox Films - the umbrella (primary) agent of the plexmend sandbox, shaped like PGMA's GayAdultFilms:
it always "matches" (score 86, id = the item's media id) so the library's site agents, which contribute
to it, can add their metadata. It scrapes nothing.

                                                  Version History
                                                  ---------------
    Date            Version             Modification
    12 Aug 2024     2020.02.07.05       First sandbox release
'''
import os
import re

AGENT = 'SandboxFilms'
VERSION_NO = '2020.02.07.05'
FILENAME_REGEX = r'^\((?P<fnSTUDIO>[^()]*)\) - (?P<fnTITLE>.+?)(?: \((?P<fnYEAR>\d{4})\))?$'


# ----------------------------------------------------------------------------------------------------------------------------------
def Start():
    ''' initialise process variables '''
    HTTP.CacheTime = CACHE_1WEEK


# ----------------------------------------------------------------------------------------------------------------------------------
def ValidatePrefs():
    ''' nothing to validate '''
    pass


# ----------------------------------------------------------------------------------------------------------------------------------
def titleFromFile(media, fallback):
    ''' the Title part of a (Studio) - Title (Year) file name '''
    try:
        path = media.items[0].parts[0].file
    except Exception:
        return fallback
    match = re.match(FILENAME_REGEX, os.path.splitext(os.path.basename(path))[0])
    return match.group('fnTITLE') if match else fallback


# ----------------------------------------------------------------------------------------------------------------------------------
class SandboxFilms(Agent.Movies):
    ''' define agent '''
    name = 'Sandbox Films'
    languages = [Locale.Language.English, Locale.Language.NoLanguage]
    media_types = ['Movie']
    primary_provider = True
    fallback_agent = False
    accepts_from = ['com.plexapp.agents.localmedia']

    # -------------------------------------------------------------------------------------------------------------------------------
    def search(self, results, media, lang, manual):
        ''' always offer the item itself '''
        Log.Info('{0} - SEARCH:: {1:<15} : v.{2}'.format(AGENT, 'Version', VERSION_NO))
        Log.Info('{0} - SEARCH:: {1:<15} : {2}'.format(AGENT, 'Media Title', media.name))
        results.Append(MetadataSearchResult(id=media.id, name=media.name, year=media.year, score=86, lang=lang))
        Log.Info('{0} - SEARCH:: {1:<15} : {2}'.format(AGENT, 'results', results))

    # -------------------------------------------------------------------------------------------------------------------------------
    def update(self, metadata, media, lang, force=True):
        ''' title from the file name; the site agents add the rest '''
        Log.Info('{0} - UPDATE CALLED'.format(AGENT))
        Log.Info('{0} - UPDATE:: {1:<10} : v.{2}'.format(AGENT, 'Version', VERSION_NO))
        metadata.title = titleFromFile(media, media.title)
