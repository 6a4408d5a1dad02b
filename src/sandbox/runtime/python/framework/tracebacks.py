# -*- coding: utf-8 -*-
"""Python-2-style traceback text, as the framework writes it under a CRITICAL line.

Relies on (fixtures real-logs 16/17/18/30): frames are `  File "<path>", line N, in fn` followed by
`    <source line>`, and the last line is `<ExceptionClass>: <message>` with the bare class name
(Python 2 printed `HTTPError: ...`, never `urllib.error.HTTPError: ...`). No chained exceptions.
"""
import linecache
import os
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def exception_line(exc):
    text = str(exc)
    name = type(exc).__name__
    return '%s: %s' % (name, text) if text else name


def format_frames(tb, skip_framework_before=None):
    """Frames of `tb` as text lines. Frames inside this framework package that come before
    `skip_framework_before` (a function name, e.g. '_search') are dropped so the traceback
    starts where Plex's starts (the agentkit call into agent code)."""
    entries = traceback.extract_tb(tb)
    if skip_framework_before:
        for i, fs in enumerate(entries):
            if fs.name == skip_framework_before and os.path.dirname(os.path.abspath(fs.filename)) == HERE:
                entries = entries[i:]
                break
    out = []
    for fs in entries:
        out.append('  File "%s", line %d, in %s' % (fs.filename, fs.lineno, fs.name))
        line = fs.line or linecache.getline(fs.filename, fs.lineno).strip()
        if line:
            out.append('    ' + line.strip())
    return out


def format_exception(exc, tb, skip_framework_before=None):
    lines = format_frames(tb, skip_framework_before)
    lines.append(exception_line(exc))
    return '\n'.join(lines)


def format_syntax_error(exc, tb, skip_framework_before=None):
    """A compile-time SyntaxError also shows the offending file/line, as Python 2 printed it."""
    lines = format_frames(tb, skip_framework_before)
    if isinstance(exc, SyntaxError) and exc.filename and not str(exc).startswith('Line '):
        lines.append('  File "%s", line %s' % (exc.filename, exc.lineno))
        if exc.text:
            lines.append('    ' + exc.text.strip())
        lines.append('SyntaxError: %s' % exc.msg)
    else:
        lines.append(exception_line(exc))
    return '\n'.join(lines)
