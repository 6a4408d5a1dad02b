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


class PluginLog(object):
    """The one logger of a plug-in process; thread-safe (logging handlers lock)."""

    def __init__(self, logs_dir, bundle_id):
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
        self.logger.handle(record)

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
