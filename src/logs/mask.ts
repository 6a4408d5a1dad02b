/**
 * Masking of variable parts of a log message before grouping (Drain3 masks before mining): URLs, quoted
 * titles, file paths, hex ids and numbers become placeholders, so "the same error about another film"
 * groups with its siblings. Pure; the order of the rules matters (a URL contains numbers and slashes).
 */

const RULES: Array<[RegExp, string]> = [
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, '<URL>'],
  [/'[^']*'|"[^"]*"|\u2018[^\u2019]*\u2019|\u201c[^\u201d]*\u201d/g, '<Q>'],
  // Paths; folder names may hold spaces ("Application Support"), the last component stops at a blank.
  [/(?:[A-Za-z]:\\|\\\\)(?:[^\\\n*?"<>|:]*\\)*[^\s:*?"<>|]*|(?:^|(?<=[\s(\[=]))(?:~|\.{1,2})?\/(?:[^/\n'",<>]*\/)*[^\s'",)<>]*/g, '<PATH>'],
  [/\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{6,}\b/gi, '<HEX>'],
  [/\d+(?:[.,:]\d+)*/g, '<NUM>'],
];

/** Masks the variable parts of `text`; whitespace runs collapse to one space. */
export function maskMessage(text: string): string {
  let out = text;
  for (const [re, token] of RULES) out = out.replace(re, token);
  return out.replace(/\s+/g, ' ').trim();
}

/** The hostname of a URL (`fagalicious.com`), lower case, or undefined. */
export function hostOf(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]+)(?::(\d+))?/i.exec(url);
  if (!m) return undefined;
  return m[1].toLowerCase();
}

/** True for the server's own address (the agents' calls back into Plex), which is not a site. */
export function isLoopbackHost(host: string | undefined): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
}

/** First `http(s)://` URL in a text. */
export function firstUrl(text: string): string | undefined {
  const m = /\bhttps?:\/\/[^\s'"<>]+/i.exec(text);
  return m ? m[0] : undefined;
}
