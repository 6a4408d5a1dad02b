/**
 * The sandbox's agent runtime host: one Python process per plug-in, as Plex spawns one per plug-in,
 * running the framework shim in `./python/` (stdlib-only Python 3 that loads the bundle's
 * `Contents/Code` with the framework globals, writes `PMS Plugin Logs/<bundle id>.log` in the exact
 * framework format and rotation, and refuses code that breaks Plex's RestrictedPython naming rules).
 *
 * Protocol: JSON lines. stdout carries only protocol lines (the shim redirects agent prints to stderr).
 * The shim sends `{"type":"started",...}` once, then `{"type":"result","id",...}` per request; the host
 * sends `{"id","op":"search"|"update"|"reloadPrefs",...}` and `{"op":"stop"}`. Requests run on threads
 * in the plug-in (Plex serves agent calls on threads: different thread ids in the log), so calls may
 * overlap. Code is loaded once per process: a change to the bundle takes effect only after `restart()`.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { InputError, PlexmendError } from '../../errors.ts';
import { redact } from '../../redact.ts';

export interface PluginHostOptions {
  bundleDir: string;
  logsDir: string;
  supportDir: string;
  /** Site hostname (or `host:port`) -> "127.0.0.1:port". https URLs are sent as plain HTTP there. */
  hostMap: Record<string, string>;
  python?: string;
  /** Multiplier for the agents' `sleep=` delays: 0 (default) = none, 1 = real (`--realistic-timing`). */
  sleepScale?: number;
  /** Log as a Linux/macOS Plex does (`unix`, default: agent Info lines `(sandbox:19)`, Error lines at the
   * calling bundle line, long thread ids) or as a Windows one (`windows`: `(logkit:16)`/`(logkit:22)`,
   * short thread ids like `1cc8`). */
  logStyle?: 'unix' | 'windows';
  /** Force the HTML/XPath engine: `lxml`, `builtin`, or `auto` (default: lxml when importable). */
  xpathEngine?: 'auto' | 'lxml' | 'builtin';
  /** Per-call timeout in ms (default 120 000). */
  callTimeoutMs?: number;
  /** Start timeout in ms (default 60 000). */
  startTimeoutMs?: number;
}
export interface SearchMedia {
  id: string;
  name: string;
  year?: number;
  filename: string;
  duration?: number;
  guid?: string;
}
export interface SearchResultOut {
  id: string;
  name: string;
  score: number;
  year?: number;
  lang: string;
}
export interface MetadataOut {
  title?: string;
  summary?: string;
  studio?: string;
  originally_available_at?: string;
  year?: number;
  roles?: { name: string; role?: string; photo?: string }[];
  posters?: string[];
  genres?: string[];
  collections?: string[];
  directors?: string[];
  rating?: number;
}
/** What the started plug-in declared (its agent class attributes). */
export interface AgentDeclaration {
  name: string;
  primary: boolean;
  contributesTo: string[];
  languages: string[];
}

/** Why a call could not be answered: not started, the process died, or it took too long. */
export class PluginCallError extends PlexmendError {
  constructor(
    readonly kind: 'not-running' | 'crashed' | 'timeout' | 'framework',
    message: string,
  ) {
    super(message, {
      hint:
        kind === 'timeout'
          ? 'the agent did not answer in time: check the plug-in log, or raise callTimeoutMs'
          : 'read the plug-in log (PMS Plugin Logs/<bundle id>.log), fix the cause, then restart the plug-in',
    });
  }
}

const RUNNER = join(fileURLToPath(new URL('.', import.meta.url)), 'python', 'plugin.py');
let cachedDefaultPython: string | undefined;

/** `/usr/bin/python3` when it can import lxml (Debian python3-lxml, as CI installs), else `python3`. */
export function defaultPython(): string {
  if (cachedDefaultPython) return cachedDefaultPython;
  cachedDefaultPython = 'python3';
  if (existsSync('/usr/bin/python3')) {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import lxml.html'], { stdio: 'ignore', timeout: 10_000 });
      cachedDefaultPython = '/usr/bin/python3';
    } catch {
      /* no lxml there: the built-in engine under python3 */
    }
  }
  return cachedDefaultPython;
}

/** Read `CFBundleIdentifier` from `<bundle>/Contents/Info.plist` (throws InputError when absent). */
export function readBundleId(bundleDir: string): string {
  const plist = join(bundleDir, 'Contents', 'Info.plist');
  let text: string;
  try {
    text = readFileSync(plist, 'utf8');
  } catch {
    throw new InputError(`${plist} cannot be read`, 'point at a bundle folder (X.bundle) that has Contents/Info.plist');
  }
  const m = /<key>\s*CFBundleIdentifier\s*<\/key>\s*<string>\s*([^<]+?)\s*<\/string>/.exec(text);
  if (!m) throw new InputError(`${plist} has no CFBundleIdentifier`, 'add <key>CFBundleIdentifier</key> to Info.plist');
  return m[1]!;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** A running sandbox plug-in. See the module comment for behaviour. */
export class PluginHost {
  readonly bundleId: string;
  private proc: ChildProcess | undefined;
  private running = false;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private stderrTail = '';
  private declared: AgentDeclaration | undefined;
  private starting: Promise<{ ok: boolean; error?: string }> | undefined;

  constructor(private readonly o: PluginHostOptions) {
    this.bundleId = readBundleId(o.bundleDir);
  }

  /** The agent the started plug-in declared; undefined before a successful start. */
  get agent(): AgentDeclaration | undefined {
    return this.declared;
  }

  /** The plug-in's process id while it runs (for signals and diagnostics). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Where the plug-in writes its log (`<logsDir>/<bundle id>.log`; `.log.1`… are the rotated ones). */
  get logPath(): string {
    return join(this.o.logsDir, `${this.bundleId}.log`);
  }

  /** Spawn the plug-in and wait for its start. `ok: false` = the plug-in did not start (see its log).
   * Calling it again while it runs (or starts) answers the same outcome without a second process. */
  start(): Promise<{ ok: boolean; error?: string }> {
    if (this.starting) return this.starting;
    if (this.proc) return Promise.resolve(this.running ? { ok: true } : { ok: false, error: 'the plug-in is stopping' });
    this.starting = this.spawnPlugin().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private spawnPlugin(): Promise<{ ok: boolean; error?: string }> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PLEXMEND_HOST_MAP: JSON.stringify(this.o.hostMap),
      PLEXMEND_SLEEP_SCALE: String(this.o.sleepScale ?? 0),
      PLEXMEND_XPATH_ENGINE: this.o.xpathEngine ?? 'auto',
      PLEXMEND_LOG_STYLE: this.o.logStyle ?? 'unix',
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONIOENCODING: 'utf-8',
    };
    const args = [RUNNER, '--bundle', this.o.bundleDir, '--logs', this.o.logsDir, '--support', this.o.supportDir];
    const proc = spawn(this.o.python ?? defaultPython(), args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.proc = proc;
    // A plug-in that died (killed with its process group, crashed) closes its stdin: a request or the stop
    // written into it fails with EPIPE. The 'exit' handler settles everything pending; nothing to add here.
    proc.stdin!.on('error', () => undefined);
    this.stderrTail = '';
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-4000);
    });
    return new Promise((resolve) => {
      let settled = false;
      const settle = (r: { ok: boolean; error?: string }) => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          resolve(r);
        }
      };
      const timer = setTimeout(() => {
        settle({ ok: false, error: 'the plug-in did not finish starting in time' });
        proc.kill('SIGKILL');
      }, this.o.startTimeoutMs ?? 60_000);
      const lines = createInterface({ input: proc.stdout! });
      lines.on('line', (line) => {
        let msg: { type?: string; ok?: boolean; error?: string; id?: number; value?: unknown; agent?: AgentDeclaration };
        try {
          msg = JSON.parse(line);
        } catch {
          return;
        }
        if (msg.type === 'started') {
          this.running = msg.ok === true;
          if (msg.agent) this.declared = msg.agent;
          settle(msg.ok ? { ok: true } : { ok: false, error: redact(msg.error ?? 'the plug-in did not start') });
        } else if (msg.type === 'result' && typeof msg.id === 'number') {
          const p = this.pending.get(msg.id);
          if (!p) return;
          this.pending.delete(msg.id);
          clearTimeout(p.timer);
          if (msg.ok) p.resolve(msg.value);
          else p.reject(new PluginCallError('framework', redact(`plug-in ${this.bundleId}: ${msg.error ?? 'call failed'}`)));
        }
      });
      proc.on('error', (e) => {
        this.running = false;
        this.proc = undefined;
        settle({ ok: false, error: `cannot run ${this.o.python ?? defaultPython()}: ${e.message}` });
      });
      proc.on('exit', (code, signal) => {
        const wasRunning = this.running;
        this.running = false;
        if (this.proc === proc) this.proc = undefined;
        const why = `plug-in ${this.bundleId} exited (${signal ?? `code ${code}`})`;
        settle({ ok: false, error: lastLine(this.stderrTail) ?? why });
        for (const [id, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(new PluginCallError(wasRunning ? 'crashed' : 'not-running', `${why} during a call`));
          this.pending.delete(id);
        }
      });
    });
  }

  /** Stop, then start: the only way a change to the bundle's code takes effect. */
  async restart(): Promise<{ ok: boolean; error?: string }> {
    await this.stop();
    return this.start();
  }

  /** Ask the plug-in to exit; kill it if it does not within 3 s. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (proc.exitCode !== null || proc.signalCode !== null) {
        clearTimeout(timer);
        resolve();
        return;
      }
      try {
        proc.stdin!.write(JSON.stringify({ op: 'stop' }) + '\n');
        proc.stdin!.end();
      } catch {
        proc.kill('SIGKILL');
      }
    });
    this.proc = undefined;
    this.running = false;
  }

  /** Run the agent's search. An exception in the agent is logged by the shim and yields the results
   * appended before it (usually []); rejects with PluginCallError when the plug-in is not running,
   * crashes or times out. */
  search(media: SearchMedia, lang: string, manual: boolean): Promise<SearchResultOut[]> {
    return this.call({ op: 'search', media, lang, manual }) as Promise<SearchResultOut[]>;
  }

  /** Run the agent's update for match `id`. Resolves null when the agent's update raised (logged as
   * the framework does); rejects with PluginCallError like search. */
  update(id: string, media: SearchMedia, lang: string): Promise<MetadataOut | null> {
    return this.call({ op: 'update', metadataId: id, media, lang }) as Promise<MetadataOut | null>;
  }

  /** Re-read DefaultPrefs.json + the saved preferences file without a restart (as Plex applies a
   * preference set at once). */
  async reloadPrefs(): Promise<void> {
    await this.call({ op: 'reloadPrefs' });
  }

  private call(req: Record<string, unknown>): Promise<unknown> {
    const proc = this.proc;
    if (!proc || !this.running) {
      return Promise.reject(new PluginCallError('not-running', `plug-in ${this.bundleId} is not running`));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new PluginCallError('timeout', `plug-in ${this.bundleId}: ${String(req.op)} timed out`));
      }, this.o.callTimeoutMs ?? 120_000);
      this.pending.set(id, { resolve, reject, timer });
      proc.stdin!.write(JSON.stringify({ id, ...req }) + '\n');
    });
  }
}

/** The last stderr line (what Python printed last), redacted: it becomes an error message. */
function lastLine(text: string): string | undefined {
  const lines = text.trim().split('\n');
  const last = lines[lines.length - 1];
  return last ? redact(last.slice(0, 300)) : undefined;
}
