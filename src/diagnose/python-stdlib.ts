/**
 * Top-level module names of the Python 2.7 standard library (the interpreter Plex embeds), for the
 * dependency check: a patch may import these, the bundle's Contents/Libraries/Shared, or nothing else.
 */
export const PY27_STDLIB: ReadonlySet<string> = new Set(
  (
    '__future__ abc aifc anydbm argparse array ast asynchat asyncore atexit audioop base64 BaseHTTPServer bdb binascii ' +
    'binhex bisect bsddb bz2 calendar cgi CGIHTTPServer cgitb chunk cmath cmd code codecs codeop collections colorsys ' +
    'commands compileall ConfigParser contextlib Cookie cookielib copy copy_reg cPickle cProfile crypt cStringIO csv ' +
    'ctypes curses datetime dbhash decimal difflib dircache dis distutils doctest DocXMLRPCServer dumbdbm email ' +
    'encodings errno exceptions fcntl filecmp fileinput fnmatch formatter fpformat fractions ftplib functools ' +
    'future_builtins gc getopt getpass gettext glob grp gzip hashlib heapq hmac htmlentitydefs HTMLParser httplib ' +
    'imaplib imghdr imp importlib inspect io itertools json keyword linecache locale logging marshal math mimetools ' +
    'mimetypes mmap modulefinder multiprocessing mutex netrc new nntplib numbers operator optparse os pdb pickle ' +
    'pickletools pipes pkgutil platform plistlib popen2 poplib posix posixpath pprint profile pstats pty pwd ' +
    'py_compile pyclbr pydoc Queue quopri random re readline repr resource rfc822 rlcompleter robotparser runpy sched ' +
    'select sets sgmllib sha shelve shlex shutil signal SimpleHTTPServer SimpleXMLRPCServer site smtpd smtplib ' +
    'sndhdr socket SocketServer sqlite3 ssl stat statvfs string StringIO stringprep struct subprocess sunau symbol ' +
    'symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile termios textwrap thread threading time timeit ' +
    'token tokenize trace traceback tty types unicodedata unittest urllib urllib2 urlparse user uu uuid warnings wave ' +
    'weakref webbrowser whichdb wsgiref xdrlib xml xmllib xmlrpclib zipfile zipimport zlib md5 UserDict UserList UserString'
  ).split(' '),
);
