# -*- coding: utf-8 -*-
"""Plug-in log file in the Plex framework's exact format and rotation.

Relies on (reference pgma §3.1/§3.2): the framework logs to `<logs dir>/<bundle id>.log` with
`%(asctime)s,%(msecs)03d (%(thread)x) :  %(levelname)s (%(module)s:%(lineno)d) - %(message)s`,
a rotating handler of 1,048,576 bytes and 5 backups (`.log.1` ... `.log.5`), and a rollover at
every plug-in start when the file already exists. `(module:lineno)` is chosen per call site so
that lines carry the attributions real logs show (`networking:144`, `core:349`, `sandbox:19`...).
"""
import logging
import logging.handlers
import os
import sys
import threading

MAX_BYTES = 1048576
BACKUP_COUNT = 5
LINE_FORMAT = '%(asctime)s,%(msecs)03d (%(thread)x) :  %(levelname)s (%(module)s:%(lineno)d) - %(message)s'
DATE_FORMAT = '%Y-%m-%d %H:%M:%S'


class ByteRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """RotatingFileHandler that measures the record in UTF-8 bytes, as Python 2's byte strings did."""

    def shouldRollover(self, record):
        if self.stream is None:
            self.stream = self._open()
        msg = (self.format(record) + '\n').encode('utf-8', 'replace')
        self.stream.seek(0, 2)
        return self.stream.tell() + len(msg) >= self.maxBytes


# Where the framework attributes agent Log calls (reference pgma §3.2; fixtures 01, 23, 25, 35):
# macOS/Linux `Log()/Debug/Info` -> (sandbox:19), Warn/Error/Critical -> the calling bundle line;
# Windows -> the lines of Framework/api/logkit.py. Warn's Windows line (19) is inferred, unobserved.
WINDOWS_ATTRIBUTION = {'DEBUG': 13, 'INFO': 16, 'WARNING': 19, 'ERROR': 22, 'CRITICAL': 25}


class PluginLog(object):
    """The one logger of a plug-in process; thread-safe (logging handlers lock).

    `style` 'unix' (default) keeps Python's thread idents (12 hex digits on Linux, as Linux logs show);
    'windows' writes short Windows-like thread ids (`1cc8`) and logkit attributions."""

    def __init__(self, logs_dir, bundle_id, style='unix'):
        self.style = style
        self._tids = {}
        self._tid_lock = threading.Lock()
        if not os.path.isdir(logs_dir):
            os.makedirs(logs_dir)
        self.path = os.path.join(logs_dir, bundle_id + '.log')
        existed = os.path.exists(self.path)
        self.handler = ByteRotatingFileHandler(self.path, mode='a', maxBytes=MAX_BYTES,
                                               backupCount=BACKUP_COUNT, encoding='utf-8')
        if existed:
            # The framework rolls the log over at every plug-in start.
            self.handler.doRollover()
        self.handler.setFormatter(logging.Formatter(LINE_FORMAT, DATE_FORMAT))
        self.logger = logging.Logger(bundle_id, logging.DEBUG)
        self.logger.addHandler(self.handler)
        self.lock = threading.Lock()

    def emit(self, level, module, lineno, message):
        """Write one record attributed to `module:lineno` (module = a framework or bundle file stem)."""
        if isinstance(message, bytes):
            message = message.decode('utf-8', 'replace')
        record = self.logger.makeRecord(self.logger.name, level, module + '.py', lineno,
                                        message, None, None)
        record.module = module
        if self.style == 'windows':
            record.thread = self._windows_tid(record.thread)
        self.logger.handle(record)

    def _windows_tid(self, ident):
        with self._tid_lock:
            tid = self._tids.get(ident)
            if tid is None:
                # Windows thread ids: small multiples of 4, stable per thread.
                tid = 0x698 + 0x1c4 * len(self._tids) + (os.getpid() % 64) * 4
                self._tids[ident] = tid
            return tid

    def agent_site(self, level_name, depth):
        """(module, lineno) for an agent's Log call at `level_name`, per platform style."""
        if self.style == 'windows':
            return 'logkit', WINDOWS_ATTRIBUTION[level_name]
        if level_name in ('DEBUG', 'INFO'):
            return 'sandbox', 19
        return caller_site(depth + 1)

    def debug(self, module, lineno, message):
        self.emit(logging.DEBUG, module, lineno, message)

    def info(self, module, lineno, message):
        self.emit(logging.INFO, module, lineno, message)

    def warning(self, module, lineno, message):
        self.emit(logging.WARNING, module, lineno, message)

    def error(self, module, lineno, message):
        self.emit(logging.ERROR, module, lineno, message)

    def critical(self, module, lineno, message):
        self.emit(logging.CRITICAL, module, lineno, message)

    def close(self):
        self.handler.close()


# The process-wide log, set by core.start(); kits log through it.
current = None


def caller_site(depth):
    """(module, lineno) of the frame `depth` levels above the caller: how the framework attributes
    Log.Error/Warn/Critical calls made by agent code (e.g. `utils:5551`)."""
    frame = sys._getframe(depth + 1)
    name = os.path.splitext(os.path.basename(frame.f_code.co_filename))[0]
    return name, frame.f_lineno
