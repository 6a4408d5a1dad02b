# -*- coding: utf-8 -*-
'''
ScreenShelf (CastBase) - plexmend sandbox site agent, shaped like a PGMA site agent.

Scrapes https://www.screenshelf.test: search page -> result list -> film page -> title, studio and release date tests
-> MetadataSearchResult (score 100, id = the film dictionary as JSON); update() reads the film page and
the cast pages on the IAFD-like cast site.

                                                  Version History
                                                  ---------------
    Date            Version             Modification
    12 Aug 2024     2022.11.20.03       First sandbox release
'''
import json
import utils

AGENT = 'ScreenShelf'
VERSION_NO = '2022.11.20.03'

# URLS
BASE_URL = 'https://www.screenshelf.test'
BASE_SEARCH_URL = BASE_URL + '/search?q={0}'

# search results page
XPATH_RESULTS = '//div[@class="result-list"]/div[contains(@class, "film-card")]'
XPATH_RESULT_TITLE = './a[contains(@class, "film-title")]'

# film page
XPATH_FILM_STUDIO = '//dl[@class="film-details"]/dt[.="Studio:"]/following-sibling::dd[1]/a/text()'
XPATH_FILM_DATE = '//dt[text()="Released:"]/following-sibling::dd[1]/text()'
SITE_INFO = {
    'Synopsis': '//div[@class="synopsis"]/p',
    'ReleaseDate': XPATH_FILM_DATE,
    'Genres': '//ul[@class="genres"]/li/a/text()',
    'Directors': '//dt[text()="Director:"]/following-sibling::dd[1]/a/text()',
    'Cast': '//ul[@class="cast-list"]/li[@class="cast-member"]/a',
    'Poster': '//img[@class="poster"]/@src',
}


# ----------------------------------------------------------------------------------------------------------------------------------
def Start():
    ''' initialise process variables '''
    HTTP.CacheTime = CACHE_1WEEK
    HTTP.Headers['User-Agent'] = utils.getUserAgent()
    utils.setupAgent(AGENT, VERSION_NO)


# ----------------------------------------------------------------------------------------------------------------------------------
def ValidatePrefs():
    ''' nothing to validate '''
    pass


# ----------------------------------------------------------------------------------------------------------------------------------
class ScreenShelf(Agent.Movies):
    ''' define agent '''
    name = 'ScreenShelf (CastBase)'
    languages = [Locale.Language.English]
    media_types = ['Movie']
    primary_provider = False
    fallback_agent = False
    contributes_to = ['com.plexapp.agents.SandboxFilms']
    accepts_from = ['com.plexapp.agents.localmedia']

    # -------------------------------------------------------------------------------------------------------------------------------
    def search(self, results, media, lang, manual):
        ''' search for the film on the site '''
        utils.logHeader('SEARCH', media, lang)

        try:
            FILMDICT = utils.matchFilename(utils.mediaFilePath(media))
        except Exception as e:
            utils.log('SEARCH:: Error: {0}'.format(e))
            utils.logFooter('SEARCH', {'FileName': media.name or ''}, False)
            return

        searchQuery = BASE_SEARCH_URL.format(utils.quoteSearch(FILMDICT['SearchTitle']))
        utils.log('SEARCH:: {0:<29} {1}'.format('Search Query', searchQuery))
        try:
            html = utils.getHTTPRequest(searchQuery)
            filmsList = html.xpath(XPATH_RESULTS)
            if not filmsList:
                raise Exception('< No Films! >')
        except Exception as e:
            utils.log('SEARCH:: Error: Search Query did not pull any results: {0}'.format(e))
            utils.logFooter('SEARCH', FILMDICT, False)
            return

        filmsFound = len(filmsList)
        utils.log('SEARCH:: {0:<29} {1} Processing Results Page: {2:>2}'.format('Titles Found', filmsFound, 1))
        matched = False
        for idx, film in enumerate(filmsList, start=1):
            utils.log('SEARCH:: {0:<29} Page {1}: {2} of {3} for {4} - {5} ({6})'.format('Processing', 1, idx, filmsFound, FILMDICT['Studio'], FILMDICT['Title'], FILMDICT['Year']))
            utils.log(utils.LOG_SUBLINE)

            # Site Title
            try:
                filmTitle = film.xpath(XPATH_RESULT_TITLE)[0].text_content().strip()
                utils.matchTitle(filmTitle, FILMDICT)
            except Exception as e:
                utils.log('SEARCH:: Error getting Site Title: {0}'.format(e))
                continue

            # Site Title URL
            try:
                filmURL = film.xpath(XPATH_RESULT_TITLE + '/@href')[0]
                if not filmURL.startswith('http'):
                    filmURL = BASE_URL + filmURL
                FILMDICT['FilmURL'] = filmURL
                utils.log('SEARCH:: {0:<29} {1}'.format('Site Title URL', filmURL))
            except Exception as e:
                utils.log('SEARCH:: Error getting Site Title Url: {0}'.format(e))
                continue

            # Film page
            try:
                filmHTML = utils.getHTTPRequest(filmURL)
                utils.log('SEARCH:: {0:<29} {1}'.format('Reading Site URL page', filmURL))
            except Exception as e:
                utils.log('SEARCH:: Error reading Site URL page: {0}'.format(e))
                continue

            # Site Studio
            try:
                siteStudio = filmHTML.xpath(XPATH_FILM_STUDIO)[0].strip()
                utils.matchStudio(siteStudio, FILMDICT)
            except Exception as e:
                utils.log('SEARCH:: Error getting Site Studio: {0}'.format(e))
                continue

            # Site Release Date
            try:
                releaseDate = utils.parseSiteDate(filmHTML.xpath(XPATH_FILM_DATE)[0])
                utils.matchReleaseDate(releaseDate, FILMDICT)
                FILMDICT['ReleaseDate'] = releaseDate.strftime('%Y-%m-%d')
            except Exception as e:
                utils.log('SEARCH:: Error getting Site URL Release Date: {0}'.format(e))
                continue

            FILMDICT['SiteTitle'] = filmTitle
            results.Append(MetadataSearchResult(id=json.dumps(FILMDICT), name=filmTitle, score=100, lang=lang))
            matched = True
            break

        utils.logFooter('SEARCH', FILMDICT, matched)

    # -------------------------------------------------------------------------------------------------------------------------------
    def update(self, metadata, media, lang, force=True):
        ''' update media metadata from the film page '''
        utils.updateMetadata(metadata, media, lang, SITE_INFO)
