# -*- coding: utf-8 -*-
"""Entry point of one sandbox plug-in process (spawned by src/sandbox/runtime/host.ts).

Usage: python3 plugin.py --bundle <X.bundle> --logs <PMS Plugin Logs> --support <Plug-in Support>
Env: PLEXMEND_HOST_MAP (JSON host -> "127.0.0.1:port"), PLEXMEND_SLEEP_SCALE (0 = no agent sleeps),
PLEXMEND_XPATH_ENGINE (auto | lxml | builtin).
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from framework import core  # noqa: E402

if __name__ == '__main__':
    sys.exit(core.main(sys.argv))
