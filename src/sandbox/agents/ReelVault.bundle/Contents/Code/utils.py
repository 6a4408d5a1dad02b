# -*- coding: utf-8 -*-
'''
Shared library of the plexmend sandbox site agents (ReelVault, FilmIndex, ScreenShelf, StarCatalog).

Shaped like PGMA's utils.py: it is copied, IDENTICAL, into every site bundle's Contents/Code folder, so a
fix to it must be applied to every copy. It carries the PGMA message layer (log, logHeader, logFooter), the
filename REGEX, the HTTP request helper, and the title / studio / release date tests.

Written for the Python 2/3 common subset: Plex runs it under Python 2.7, the sandbox under Python 3.

                                                  Version History
                                                  ---------------
    Date            Version             Modification
    12 Aug 2024     2024.08.12.01       First sandbox release
'''
import datetime
import inspect
import json
import os
import random
import re
import sys
import time
import traceback
import unicodedata

try:
    from urllib import quote_plus           # Python 2.7
except ImportError:
    from urllib.parse import quote_plus     # Python 3

UTILS_UPDATE = '12 Aug 2024'

# log separators, as PGMA draws them
LOG_BIGLINE = '-' * 140
LOG_SUBLINE = ' ' * 6 + '-' * 100
LOG_ASTLINE = '*' * 140

# set by setupAgent() from each agent's Start()
AGENTINFO = {'Agent': 'UTILS', 'Version': ''}

# (Studio) - Title [(Year)] [- cd|disc|disk|dvd|part|pt|scene 1..8]
FILENAME_REGEX = r'^\((?P<fnSTUDIO>[^()]*)\) - (?P<fnTITLE>.+?)(?: \((?P<fnYEAR>\d{4})\))?(?: - (?P<fnSTACK>(?:cd|disc|disk|dvd|part|pt|scene) [1-8]))?$'

# request plumbing
HTTP_TIMEOUT = 20           # seconds
HTTP_RETRIES = 0            # further attempts after a failed request
HTTP_BACKOFF = 2            # seconds before the first retry, doubled on each further one

# characters dropped from search strings
SEARCH_STRIP = [u"'", u'\u2019', u'\u2018', u',', u'&', u'!', u'.', u'#', u':', u'?', u'"', u'\u201c', u'\u201d']

# roman numerals found in sequel titles
ROMAN_NUMERALS = {'II': '2', 'III': '3', 'IV': '4', 'V': '5', 'VI': '6', 'VII': '7', 'VIII': '8', 'IX': '9', 'X': '10'}

BROWSER_USER_AGENTS = [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
    'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
]


# ----------------------------------------------------------------------------------------------------------------------------------
def setupAgent(agent, version):
    ''' remember the agent's name and version for the message layer '''
    AGENTINFO['Agent'] = agent
    AGENTINFO['Version'] = version


# ----------------------------------------------------------------------------------------------------------------------------------
def log(message):
    ''' PGMA's message layer: text holding "error" or "warning" becomes a pair of Log.Error lines (where the last
        caught exception was raised, and the text); anything else one Log.Info line '''
    agent = AGENTINFO['Agent']
    lowered = message.lower()
    if 'error' in lowered or 'warning' in lowered:
        tick = u'\u274c' if 'error' in lowered else u'\u26a0'
        tbFile = ''
        tbLine = ''
        excInfo = sys.exc_info()
        if excInfo[2] is not None:
            # the frame that caught the exception: the line of its try block that raised
            frames = traceback.extract_tb(excInfo[2], 1)
            if frames:
                tbFile = os.path.basename(frames[0][0])
                tbLine = frames[0][1]
        stack = inspect.stack(0)
        chain = [stack[i][3] for i in (3, 2, 1) if i < len(stack)]
        Log.Error(u'{0} - {1} {2} File: {3}, Line: {4}, Function: {5}'.format(agent, message[:8], tick, tbFile, tbLine, ' -> '.join(chain)))
        Log.Error(u'{0} - {1}    {2}'.format(agent, message[:8], message[9:]))
    else:
        Log.Info(u'{0}  - {1}'.format(agent, message))


# ----------------------------------------------------------------------------------------------------------------------------------
def mediaFilePath(media):
    ''' the media file's full path as Plex stores it '''
    try:
        return media.items[0].parts[0].file
    except Exception:
        pass
    name = getattr(media, 'filename', None) or ''
    try:
        from urllib import unquote          # Python 2.7
    except ImportError:
        from urllib.parse import unquote    # Python 3
    return unquote(name)


# ----------------------------------------------------------------------------------------------------------------------------------
def logHeader(routine, media, lang):
    ''' banner that opens a search or update '''
    log(LOG_ASTLINE)
    log('{0}:: {1:<29} {2}'.format(routine, 'Agent:', AGENTINFO['Agent']))
    log('{0}:: {1:<29} v.{2}'.format(routine, 'Version:', AGENTINFO['Version']))
    log('{0}:: {1:<29} {2}'.format(routine, 'Python:', sys.version.split()[0]))
    log('{0}:: {1:<29} {2}'.format(routine, 'Language:', lang))
    log('{0}:: {1:<29} {2}'.format(routine, 'Media Title:', getattr(media, 'title', None) or getattr(media, 'name', '')))
    log('{0}:: {1:<29} {2}'.format(routine, 'File Path:', mediaFilePath(media)))
    log(LOG_ASTLINE)


# ----------------------------------------------------------------------------------------------------------------------------------
def logFooter(routine, FILMDICT, status):
    ''' the four lines that close a search or update '''
    if FILMDICT.get('Title'):
        film = u'({0}) - {1}'.format(FILMDICT.get('Studio', ''), FILMDICT['Title'])
        if FILMDICT.get('Year'):
            film = u'{0} ({1})'.format(film, FILMDICT['Year'])
    else:
        film = FILMDICT.get('FileName', '')
    lines = [u' >> {0}: Finished {1} Routine << '.format(AGENTINFO['Agent'], 'Search' if routine == 'SEARCH' else 'Update'),
             u' >> {0} << '.format(film),
             u' >> {0} << '.format(FILMDICT.get('FilmURL', '')),
             u' >> Successful!! << ' if status else u' >> Failed << ']
    for line in lines:
        log(u'{0}:: {1}'.format(routine, line.center(131, '*')))
    log(LOG_BIGLINE)


# ----------------------------------------------------------------------------------------------------------------------------------
def stripDiacritics(text):
    ''' remove accents: é -> e '''
    return u''.join(c for c in unicodedata.normalize('NFKD', text) if not unicodedata.combining(c))


# ----------------------------------------------------------------------------------------------------------------------------------
def normaliseTitle(title):
    ''' comparison form of a title: lower case, & -> and, apostrophes dropped, punctuation to spaces,
        roman numerals to arabic '''
    text = stripDiacritics(title).lower()
    text = text.replace('&', ' and ')
    text = text.replace("'", '')
    text = re.sub(r'[^a-z0-9 ]', ' ', text)
    words = [ROMAN_NUMERALS.get(word, word) for word in text.split()]
    return ' '.join(words)


# ----------------------------------------------------------------------------------------------------------------------------------
def cleanSearchString(title):
    ''' the site search string: no diacritics, lower case, punctuation removed '''
    text = stripDiacritics(title).lower()
    for char in SEARCH_STRIP:
        text = text.replace(char, '')
    return ' '.join(text.split())


# ----------------------------------------------------------------------------------------------------------------------------------
def quoteSearch(text):
    ''' url-encode a search string, spaces as + '''
    return quote_plus(text.encode('utf-8'))


# ----------------------------------------------------------------------------------------------------------------------------------
def matchFilename(filePath):
    ''' split a file name of the form (Studio) - Title (Year) into the film dictionary '''
    fileName = os.path.splitext(os.path.basename(filePath))[0]
    match = re.match(FILENAME_REGEX, fileName)
    if not match:
        raise Exception(u'< File Name [{0}] not in the expected format: (Studio) - Title [(Year)] [- cd|disc|disk|dvd|part|pt|scene 1..8]! >'.format(fileName))

    FILMDICT = {}
    FILMDICT['Agent'] = AGENTINFO['Agent']
    FILMDICT['FilePath'] = filePath
    FILMDICT['FileName'] = fileName
    FILMDICT['Studio'] = match.group('fnSTUDIO').strip()
    FILMDICT['Title'] = match.group('fnTITLE').strip()
    FILMDICT['Year'] = match.group('fnYEAR') or ''
    FILMDICT['Stack'] = match.group('fnSTACK') or ''
    FILMDICT['CompareTitle'] = normaliseTitle(FILMDICT['Title'])
    FILMDICT['SearchTitle'] = cleanSearchString(FILMDICT['Title'])
    FILMDICT['CompareDate'] = '{0}-12-31'.format(FILMDICT['Year']) if FILMDICT['Year'] else ''
    FILMDICT['FilmURL'] = ''

    log('UTILS :: {0:<29} {1}'.format('File Name', fileName))
    log('UTILS :: {0:<29} {1}'.format('File Studio', FILMDICT['Studio']))
    log('UTILS :: {0:<29} {1}'.format('File Title', FILMDICT['Title']))
    log('UTILS :: {0:<29} {1}'.format('File Year', FILMDICT['Year']))
    log('UTILS :: {0:<29} {1}'.format('Compare Title', FILMDICT['CompareTitle']))
    log('UTILS :: {0:<29} {1}'.format('Search Title', FILMDICT['SearchTitle']))
    return FILMDICT


# ----------------------------------------------------------------------------------------------------------------------------------
def matchTitle(siteTitle, FILMDICT):
    ''' the site title must equal the file title once both are normalised '''
    compareTitle = normaliseTitle(siteTitle)
    log('UTILS :: {0:<29} {1}'.format('{0} Title'.format(AGENTINFO['Agent']), siteTitle))
    log('UTILS :: {0:<29} {1}'.format('Comparison Title', compareTitle))
    log('UTILS :: {0:<29} {1}'.format('File Title', FILMDICT['CompareTitle']))
    passed = compareTitle == FILMDICT['CompareTitle']
    log('UTILS :: {0:<29} {1}'.format('Title Comparison Test', 'Passed' if passed else 'Failed'))
    if not passed:
        raise Exception('< Title Match Failure! >')
    return True


# ----------------------------------------------------------------------------------------------------------------------------------
def matchStudio(siteStudio, FILMDICT):
    ''' full match, or one studio name holding the other '''
    site = normaliseTitle(siteStudio).replace(' ', '')
    fileStudio = normaliseTitle(FILMDICT['Studio']).replace(' ', '')
    log('UTILS :: {0:<29} {1}'.format('{0} Studio'.format(AGENTINFO['Agent']), siteStudio))
    log('UTILS :: {0:<29} {1}'.format('File Studio', FILMDICT['Studio']))
    if site == fileStudio:
        result = 'Full Match'
    elif site and fileStudio and (site in fileStudio or fileStudio in site):
        result = 'Partial Match'
    else:
        result = 'Failed Match'
    log('UTILS :: {0:<29} {1}'.format('Studio Comparison Test', result))
    if result == 'Failed Match':
        raise Exception('< Studio Match Failure! >')
    return True


# ----------------------------------------------------------------------------------------------------------------------------------
def matchReleaseDate(siteDate, FILMDICT):
    ''' the site's release date must lie within 366 days of 31 December of the file's year '''
    if not FILMDICT.get('CompareDate'):
        log('UTILS :: {0:<29} {1}'.format('Release Date Matching', 'Skipped: No File Year'))
        return True
    fileDate = datetime.datetime.strptime(FILMDICT['CompareDate'], '%Y-%m-%d')
    delta = abs((siteDate - fileDate).days)
    log('UTILS :: {0:<29} {1}'.format('Site Release Date', siteDate.strftime('%Y-%m-%d')))
    log('UTILS :: {0:<29} {1}'.format('File Release Date', FILMDICT['CompareDate']))
    log('UTILS :: {0:<29} {1}'.format('Delta in Days', delta))
    passed = delta <= 366
    log('UTILS :: {0:<29} {1}'.format('Release Date Comparison Test', 'Passed' if passed else 'Failed'))
    if not passed:
        raise Exception('< Release Date Match Failure! >')
    return True


# ----------------------------------------------------------------------------------------------------------------------------------
def getUserAgent():
    ''' a desktop browser user agent '''
    return random.choice(BROWSER_USER_AGENTS)


# ----------------------------------------------------------------------------------------------------------------------------------
def delay():
    ''' seconds to pause after a request (the framework's sleep=) '''
    return random.randint(1, 10)


# ----------------------------------------------------------------------------------------------------------------------------------
def timeScale():
    ''' sandbox only: the rehearsal Plex runs timeouts and back-off at a tenth of real time unless it replays real timing '''
    try:
        return 1.0 if float(os.environ.get('PLEXMEND_SLEEP_SCALE', '1')) >= 1 else 0.1
    except ValueError:
        return 1.0


# ----------------------------------------------------------------------------------------------------------------------------------
def getHTTPRequest(url, timeout=HTTP_TIMEOUT):
    ''' read a page through the framework; returns the parsed HTML element '''
    log('UTILS :: {0:<29} {1}'.format('Request URL', url))
    attempt = 0
    while True:
        try:
            return HTML.ElementFromURL(url, timeout=timeout * timeScale(), sleep=delay())
        except Exception as e:
            attempt += 1
            if attempt > HTTP_RETRIES:
                raise
            wait = HTTP_BACKOFF * (2 ** (attempt - 1))
            log('UTILS :: {0:<29} Attempt {1} of {2} in {3} seconds'.format('Request Retry', attempt, HTTP_RETRIES, wait))
            time.sleep(wait * timeScale())


# ----------------------------------------------------------------------------------------------------------------------------------
def getCastMember(name, url):
    ''' read a cast member's page on the cast site; returns the photo url ('' when there is none) '''
    html = getHTTPRequest(url)
    photo = html.xpath('//div[@class="headshot"]/img/@src')
    return photo[0] if photo else ''


# ----------------------------------------------------------------------------------------------------------------------------------
def parseSiteDate(text):
    ''' "May 04, 2019" -> datetime '''
    return datetime.datetime.strptime(text.strip(), '%B %d, %Y')


# ----------------------------------------------------------------------------------------------------------------------------------
def pgmaFolder():
    ''' the _PGMA data folder beside the bundles in the Plug-ins folder '''
    return os.path.join(os.path.dirname(os.path.normpath(Core.bundle_path)), '_PGMA')


# ----------------------------------------------------------------------------------------------------------------------------------
def readGenreTidy():
    ''' _PGMA/GenreTidy.txt: one "Site Genre|Tidy Genre" pair a line; an empty map when missing '''
    path = os.path.join(pgmaFolder(), 'GenreTidy.txt')
    tidy = {}
    try:
        with open(path, 'r') as f:
            for line in f.read().splitlines():
                if '|' in line and not line.startswith('#'):
                    source, target = line.split('|', 1)
                    tidy[source.strip().lower()] = target.strip()
    except Exception as e:
        log('UTILS :: Error:: GenreTidy File missing or Empty: {0}'.format(e))
    if not tidy:
        log('UTILS :: {0:<29} {1}'.format('Genre Tidy', 'No Entries'))
    return tidy


# ----------------------------------------------------------------------------------------------------------------------------------
def updateMetadata(metadata, media, lang, siteInfo):
    ''' update routine shared by the site agents: siteInfo holds the agent's XPath strings '''
    logHeader('UPDATE', media, lang)
    status = False
    FILMDICT = {}
    try:
        FILMDICT = json.loads(metadata.id)
        log('UTILS :: {0:<29} {1}'.format('Film URL', FILMDICT['FilmURL']))
    except Exception as e:
        log('UPDATE:: Error: Reading Film Dictionary: {0}'.format(e))
        logFooter('UPDATE', FILMDICT, status)
        return

    log('UTILS :: Access Site URL Link')
    try:
        html = getHTTPRequest(FILMDICT['FilmURL'])
    except Exception as e:
        log('UTILS :: Error: Accessing Site URL page: {0}'.format(e))
        logFooter('UPDATE', FILMDICT, status)
        return

    log('UTILS :: Get Agent Metadata Fields')
    metadata.title = FILMDICT['Title']
    metadata.studio = FILMDICT['Studio']
    log('UTILS :: {0:<29} {1}'.format('1a. Title', metadata.title))
    log('UTILS :: {0:<29} {1}'.format('1b. Studio', metadata.studio))

    try:
        synopsis = html.xpath(siteInfo['Synopsis'])[0].text_content().strip()
        metadata.summary = synopsis
        log('UTILS :: {0:<29} {1}'.format('2a. Synopsis', synopsis))
    except Exception as e:
        log('UTILS :: Error: Getting Synopsis: {0}'.format(e))

    try:
        releaseDate = parseSiteDate(html.xpath(siteInfo['ReleaseDate'])[0])
        metadata.originally_available_at = releaseDate.date()
        metadata.year = releaseDate.year
        log('UTILS :: {0:<29} {1}'.format('2b. Release Date', releaseDate.strftime('%Y-%m-%d')))
    except Exception as e:
        log('UTILS :: Error: Getting Release Date: {0}'.format(e))

    try:
        tidy = readGenreTidy()
        genres = [tidy.get(x.strip().lower(), x.strip()) for x in html.xpath(siteInfo['Genres'])]
        genres = [x for x in genres if x]
        metadata.genres.clear()
        for genre in genres:
            metadata.genres.add(genre)
        log('UTILS :: {0:<29} {1} - {2}'.format('2c. Genres', len(genres), genres))
    except Exception as e:
        log('UTILS :: Error: Getting Genres: {0}'.format(e))

    try:
        directors = [x.strip() for x in html.xpath(siteInfo['Directors'])]
        metadata.directors.clear()
        for director in directors:
            newDirector = metadata.directors.new()
            newDirector.name = director
        log('UTILS :: {0:<29} {1} - {2}'.format('2d. Director(s)', len(directors), directors))
    except Exception as e:
        log('UTILS :: Error: Getting Director(s): {0}'.format(e))

    try:
        castLinks = html.xpath(siteInfo['Cast'])
        metadata.roles.clear()
        log('UTILS :: {0:<29} {1}'.format('2e. Cast', len(castLinks)))
        for link in castLinks:
            name = link.text_content().strip()
            photo = ''
            if Prefs['castlookup']:
                try:
                    photo = getCastMember(name, link.get('href'))
                except Exception as e:
                    log('UTILS :: Error:: Getting Cast Member Page, {0}: {1}'.format(name, e))
            role = metadata.roles.new()
            role.name = name
            role.photo = photo
            log('UTILS :: {0:<29} {1}'.format('Cast Member', u'{0} - {1}'.format(name, photo or 'No Photo')))
    except Exception as e:
        log('UTILS :: Error: Getting Cast: {0}'.format(e))

    try:
        posterURL = html.xpath(siteInfo['Poster'])[0]
        image = HTTP.Request(posterURL, timeout=HTTP_TIMEOUT * timeScale(), sleep=delay()).content
        metadata.posters[posterURL] = Proxy.Media(image, sort_order=1)
        metadata.posters.validate_keys([posterURL])
        log('UTILS :: {0:<29} {1}'.format('2f. Poster Images', posterURL))
    except Exception as e:
        log('UTILS :: Error: Getting Images: {0}'.format(e))

    status = True
    logFooter('UPDATE', FILMDICT, status)
