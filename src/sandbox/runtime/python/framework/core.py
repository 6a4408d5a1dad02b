# -*- coding: utf-8 -*-
"""The plug-in process: framework start sequence, code loading, and the JSON-lines request loop.

Relies on (fixtures real-logs 08/09/30/35, prior-art-samples): a plug-in start logs `Starting
framework core - Version: 2.6.3, Build: ...`, the policy, the components, the resource-hashes
404 CRITICAL with its urllib2 traceback (noise every real start logs), `Loading plug-in code`,
`Creating new agent class called X`, `Started plug-in`; a RestrictedPython violation in
`__init__.py` logs CRITICAL `(core:574) Exception while loading code`, one in an imported Code
module logs CRITICAL `(core:615) Exception starting plug-in`, and the plug-in does not start.

Protocol (stdout = JSON lines for the host only; agent prints go to stderr):
  -> {"type": "started", "ok": true, "bundleId", "agent"} | {"type": "started", "ok": false, "error"}
  <- {"id": n, "op": "search", "media": {...}, "lang": "en", "manual": false}
  <- {"id": n, "op": "update", "metadataId": "...", "media": {...}, "lang": "en"}
  -> {"type": "result", "id": n, "ok": true, "value": [...] | {...} | null} | {..., "ok": false, "error"}
  <- {"op": "stop"}   (or stdin closed): the process exits.
Each request runs on its own thread, as Plex serves agent calls on threads.
"""
import json
import os
import plistlib
import sys
import threading

from . import agentkit, logkit, sandbox, tracebacks

FRAMEWORK_VERSION = 'Version: 2.6.3, Build: 4608319 (Thu Jul 03 02:40:00 UTC 2025)'
PMS_ROOT = '/usr/lib/plexmediaserver/Resources'
FW = PMS_ROOT + '/Plug-ins-2b1ba6e69/Framework.bundle/Contents/Resources/Versions/2/Python/Framework'
PY27 = PMS_ROOT + '/Python/python27.zip'
HASHES_URL = 'http://127.0.0.1:32400/:/plugins/com.plexapp.system/resourceHashes'
RESOURCE_HASHES_TRACEBACK = '\n'.join([
    '  File "%s/components/runtime.py", line 1293, in get_resource_hashes' % FW,
    '    json = self._core.networking.http_request("%s", timeout=10).content' % HASHES_URL,
    '  File "%s/components/networking.py", line 243, in content' % FW,
    '    return self.__str__()',
    '  File "%s/components/networking.py", line 221, in __str__' % FW,
    '    self.load()',
    '  File "%s/components/networking.py", line 159, in load' % FW,
    '    f = self._opener.open(req, timeout=self._timeout)',
    '  File "%s/urllib2.py", line 435, in open' % PY27,
    '    response = meth(req, response)',
    '  File "%s/urllib2.py", line 548, in http_response' % PY27,
    "    'http', request, response, code, msg, hdrs)",
    '  File "%s/urllib2.py", line 473, in error' % PY27,
    '    return self._call_chain(*args)',
    '  File "%s/urllib2.py", line 407, in _call_chain' % PY27,
    '    result = func(*args)',
    '  File "%s/urllib2.py", line 556, in http_error_default' % PY27,
    '    raise HTTPError(req.get_full_url(), code, msg, hdrs, fp)',
    'HTTPError: HTTP Error 404: Not Found',
])


# `<data dir>/Metadata`, next to `Plug-in Support` (set by main()).
METADATA_DIR = [None]


class Protocol(object):
    def __init__(self, stream):
        self.stream = stream
        self.lock = threading.Lock()

    def send(self, obj):
        line = json.dumps(obj, ensure_ascii=True)
        with self.lock:
            self.stream.write(line + '\n')
            self.stream.flush()


def read_info(bundle_dir):
    with open(os.path.join(bundle_dir, 'Contents', 'Info.plist'), 'rb') as f:
        return plistlib.load(f)


def log_framework_start(log, bundle_id, policy):
    log.info('core', 349, 'Starting framework core - ' + FRAMEWORK_VERSION)
    log.debug('core', 361, 'Using the %s policy' % policy)
    for comp in ('runtime', 'caching', 'data', 'networking'):
        log.debug('core', 450, 'Starting %s component.' % comp)
    log.debug('networking', 262, 'Loaded HTTP cookies')
    log.debug('networking', 434, 'Setting the default network timeout to 20.0')
    log.debug('core', 450, 'Starting localization component.')
    log.info('localization', 409, 'Setting the default locale to en-us')
    for comp in ('messaging', 'debugging', 'services', 'myplex', 'notifications'):
        log.debug('core', 450, 'Starting %s component.' % comp)
    log.debug('accessor', 68, 'Creating a new model access point for provider %s' % bundle_id)
    log.debug('networking', 144, "Requesting '%s'" % HASHES_URL)
    log.error('networking', 197, "Error opening URL '%s'" % HASHES_URL)
    log.critical('runtime', 1299, 'Exception getting hosted resource hashes (most recent call last):\n'
                 + RESOURCE_HASHES_TRACEBACK)
    log.debug('runtime', 1117, "Created a thread named 'load_all_services'")
    log.debug('services', 265, 'Plug-in is not daemonized - loading services from system')
    log.debug('core', 150, 'Finished starting framework core')


def start(bundle_dir, logs_dir, support_dir, host_map, sleep_scale, log_style='unix'):
    """Start the plug-in. Returns (bundle_id, agent class or None, error text or None)."""
    info = read_info(bundle_dir)
    bundle_id = info.get('CFBundleIdentifier') or os.path.basename(bundle_dir)
    policy = 'elevated' if info.get('PlexPluginCodePolicy') == 'Elevated' else 'standard'
    log = logkit.PluginLog(logs_dir, bundle_id, log_style)
    logkit.current = log
    log_framework_start(log, bundle_id, policy)
    env = sandbox.build_environment(bundle_dir, support_dir, bundle_id, host_map, sleep_scale)
    box = sandbox.Sandbox(bundle_dir, env)
    log.debug('core', 560, 'Loading plug-in code')
    try:
        load_code(box)
    except Exception as e:
        log.critical('core', 574, 'Exception while loading code (most recent call last):\n'
                     + tracebacks.format_syntax_error(e, sys.exc_info()[2], 'load_code'))
        return bundle_id, None, tracebacks.exception_line(e)
    log.debug('core', 566, 'Finished loading plug-in code')
    log.debug('services', 362, 'Loaded services')
    log.debug('services', 438, 'No shared code to load')
    try:
        start_plugin(box, log)
    except Exception as e:
        log.critical('core', 615, 'Exception starting plug-in (most recent call last):\n'
                     + tracebacks.format_syntax_error(e, sys.exc_info()[2], 'start_plugin'))
        return bundle_id, None, tracebacks.exception_line(e)
    log.info('core', 611, 'Started plug-in')
    log.debug('socketinterface', 160, 'Starting socket server')
    log.info('socketinterface', 184, 'Socket server started on port %d' % (49152 + os.getpid() % 16000))
    log.info('pipeinterface', 25, 'Entering run loop')
    if os.path.exists(os.path.join(bundle_dir, 'Contents', 'DefaultPrefs.json')):
        log.debug('preferences', 258, 'Loaded preferences from DefaultPrefs.json')
    agents = [a for a in agentkit.REGISTERED]
    if not agents:
        return bundle_id, None, 'no agent class is defined in the bundle'
    return bundle_id, agents[0], None


def load_code(box):
    box.load_code()


def start_plugin(box, log):
    box.execute()
    if not box.call_named_function('Start'):
        log.critical('sandbox', 298, "Function named 'Start' couldn't be found in the current environment")


def handle(req, bundle_id, agent_cls, proto):
    rid = req.get('id')
    try:
        op = req.get('op')
        if op == 'search':
            value = agentkit.call_search(bundle_id, agent_cls, req.get('media') or {}, req.get('lang') or 'en',
                                         bool(req.get('manual')))
        elif op == 'update':
            value = agentkit.call_update(bundle_id, agent_cls, req.get('metadataId'), req.get('media') or {},
                                         req.get('lang') or 'en', METADATA_DIR[0])
        elif op == 'reloadPrefs':
            sandbox.reload_prefs()
            value = None
        else:
            raise ValueError('unknown op %r' % op)
        proto.send({'type': 'result', 'id': rid, 'ok': True, 'value': value})
    except BaseException as e:  # a framework fault or SystemExit: answer anyway, never leave the host waiting
        proto.send({'type': 'result', 'id': rid, 'ok': False, 'error': tracebacks.exception_line(e)})


def declaration(agent_cls):
    def strings(v):
        return [str(x) for x in (v or [])]

    return {'name': str(agent_cls.name or agent_cls.__name__), 'primary': bool(agent_cls.primary_provider),
            'contributesTo': strings(agent_cls.contributes_to), 'languages': strings(agent_cls.languages)}


def main(argv):
    args = dict(zip(argv[1::2], argv[2::2]))
    proto_stream = os.fdopen(os.dup(1), 'w', encoding='utf-8')
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    proto = Protocol(proto_stream)
    host_map = json.loads(os.environ.get('PLEXMEND_HOST_MAP') or '{}')
    METADATA_DIR[0] = os.path.join(os.path.dirname(os.path.abspath(args['--support'])), 'Metadata')
    sleep_scale = float(os.environ.get('PLEXMEND_SLEEP_SCALE') or '0')
    try:
        bundle_id, agent_cls, error = start(args['--bundle'], args['--logs'], args['--support'], host_map,
                                            sleep_scale, os.environ.get('PLEXMEND_LOG_STYLE') or 'unix')
    except Exception as e:
        proto.send({'type': 'started', 'ok': False, 'error': 'framework failure: ' + tracebacks.exception_line(e)})
        return 1
    if error:
        proto.send({'type': 'started', 'ok': False, 'error': error})
        return 2
    proto.send({'type': 'started', 'ok': True, 'bundleId': bundle_id, 'agent': declaration(agent_cls)})
    threads = []
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError:
            sys.stderr.write('plexmend runtime: ignoring a malformed request line\n')
            continue
        if req.get('op') == 'stop':
            break
        t = threading.Thread(target=handle, args=(req, bundle_id, agent_cls, proto))
        t.daemon = True
        t.start()
        threads.append(t)
        threads = [x for x in threads if x.is_alive()]
    for t in threads:
        t.join(5)
    sandbox.save_dicts()
    logkit.current.close()
    return 0
