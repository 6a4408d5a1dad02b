# -*- coding: utf-8 -*-
"""Loads a bundle's Code the way Plex's sandbox does: every module of `Contents/Code` is compiled
under the RestrictedPython naming rules and executed with the framework globals injected;
`Contents/Libraries/Shared` is on sys.path (plain imports, not restricted).

Relies on: Plex injects `HTTP`, `HTML`, `XML`, `JSON`, `Log`, `Prefs`, `Core`, `Platform`, `Agent`,
`MetadataSearchResult`, `String`, `Locale`, `Datetime`, `Util`, `Dict`, `Proxy`, `Regex` and the
`CACHE_*` constants into each Code module (reference pgma §2, "Python / runtime constraints");
Code is loaded once per plug-in process (only a restart reloads it).
"""
import importlib.abc
import importlib.util
import os
import sys

from . import agentkit, kits, networking, parsekit, restricted


class CodeFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports sibling modules of `Contents/Code` through the restricted loader."""

    def __init__(self, code_dir, environment):
        self.code_dir = code_dir
        self.environment = environment

    def find_spec(self, fullname, path=None, target=None):
        if '.' in fullname:
            return None
        file = os.path.join(self.code_dir, fullname + '.py')
        pkg = os.path.join(self.code_dir, fullname, '__init__.py')
        if os.path.isfile(file):
            return importlib.util.spec_from_file_location(fullname, file, loader=self)
        if os.path.isfile(pkg):
            return importlib.util.spec_from_file_location(
                fullname, pkg, loader=self, submodule_search_locations=[os.path.dirname(pkg)])
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        load_module(module, module.__spec__.origin, self.environment)


def load_module(module, path, environment):
    """Compile `path` restricted and run it in `module` with the framework globals."""
    with open(path, 'rb') as f:
        source = f.read()
    code = restricted.check_source(source, path)
    module.__dict__.update(environment)
    module.__dict__['__file__'] = path
    exec(code, module.__dict__)


def build_environment(bundle_dir, support_dir, bundle_id, host_map, sleep_scale):
    """The framework globals every Code module sees."""
    http = networking.HTTPKit(os.path.join(support_dir, 'Caches', bundle_id), host_map, sleep_scale)
    env = {
        'Log': kits.LogKit(),
        'HTTP': http,
        'HTML': parsekit.HTMLKit(http),
        'XML': parsekit.XMLKit(http),
        'JSON': parsekit.JSONKit(http),
        'String': kits.StringKit(),
        'Datetime': kits.DatetimeKit(),
        'Util': kits.UtilKit(),
        'Platform': kits.PlatformKit(),
        'Locale': kits.LocaleKit(),
        'Dict': kits.DictKit(support_dir, bundle_id),
        'Prefs': kits.PrefsKit(bundle_dir, support_dir, bundle_id),
        'Core': kits.CoreKit(bundle_dir, support_dir, bundle_id),
        'Proxy': kits.ProxyKit(),
        'Regex': kits.Regex,
        'Agent': agentkit.AgentKit(),
        'MetadataSearchResult': agentkit.MetadataSearchResult,
        'CACHE_1MINUTE': networking.CACHE_1MINUTE,
        'CACHE_1HOUR': networking.CACHE_1HOUR,
        'CACHE_1DAY': networking.CACHE_1DAY,
        'CACHE_1WEEK': networking.CACHE_1WEEK,
        'CACHE_1MONTH': networking.CACHE_1MONTH,
        'L': lambda key: key,
        'F': lambda key, *args: key % args if args else key,
        # Python 2 builtins that 2/3-subset agent code may still name.
        'unicode': str,
        'basestring': str,
        'long': int,
        'xrange': range,
        'unichr': chr,
    }
    PREFS.append(env['Prefs'])
    DICTS.append(env['Dict'])
    return env


PREFS = []
DICTS = []


def save_dicts():
    """Persist every plug-in `Dict` (the framework saves it at shutdown)."""
    for d in DICTS:
        try:
            d.Save()
        except (IOError, OSError):
            pass


def reload_prefs():
    """Re-read preferences into the live `Prefs` object every module holds."""
    for prefs in PREFS:
        prefs.reload()


class Sandbox(object):
    """One bundle's loaded code: `execute()` runs `__init__.py`; `start_function()` calls Start()."""

    def __init__(self, bundle_dir, environment):
        self.bundle_dir = bundle_dir
        self.code_dir = os.path.join(bundle_dir, 'Contents', 'Code')
        self.init_path = os.path.join(self.code_dir, '__init__.py')
        self.environment = environment
        self.module = None
        shared = os.path.join(bundle_dir, 'Contents', 'Libraries', 'Shared')
        if os.path.isdir(shared):
            sys.path.insert(0, shared)
        sys.meta_path.insert(0, CodeFinder(self.code_dir, environment))

    def load_code(self):
        """Compile `__init__.py` (the framework's `load_code`): raises SyntaxError on a violation."""
        with open(self.init_path, 'rb') as f:
            source = f.read()
        self.init_code = restricted.check_source(source, self.init_path)

    def execute(self):
        import types
        module = types.ModuleType('__init__')
        module.__dict__.update(self.environment)
        module.__dict__['__file__'] = self.init_path
        sys.modules['__code__'] = module
        exec(self.init_code, module.__dict__)
        self.module = module

    def call_named_function(self, name):
        """Returns False when the function does not exist (the framework logs it, as for 'Start')."""
        fn = self.module.__dict__.get(name)
        if fn is None or not callable(fn):
            return False
        fn()
        return True
