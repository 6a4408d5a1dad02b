/**
 * The adviser port diagnose() consults, and its settings. Off unless `--llm` is given: a settings value
 * exists only then. The URL defaults to a local Ollama (`http://127.0.0.1:11434/v1`, its OpenAI-compatible
 * API); llama.cpp's server is `http://127.0.0.1:8080/v1`, OpenAI `https://api.openai.com/v1`. The API key is
 * read only from an environment variable (`PLEXMEND_LLM_KEY`, else `OPENAI_API_KEY`, or the one named by
 * `--llm-key-env`) — never a flag, which `ps` would show — and is never written anywhere.
 */
import { UsageError } from '../../errors.ts';
import { chatClient, nodeChatDeps, type ChatDeps, type ChatMessage, type ChatReply } from './client.ts';

/** Local Ollama's OpenAI-compatible API: the default when `--llm` is given without a URL. */
export const DEFAULT_LLM_URL = 'http://127.0.0.1:11434/v1';

/** Key variables read, in order, unless one is named explicitly. */
export const LLM_KEY_ENVS = ['PLEXMEND_LLM_KEY', 'OPENAI_API_KEY'] as const;

/**
 * Which groups are put to the adviser:
 * - `unfixed`: groups whose cause has a code remedy but no code fix was offered, or whose offered fix rests
 *   on a rule that fired without its evidence (an unprobed guess);
 * - `all`: every group whose cause has a code remedy (the adviser's proposal ranks after the recipes').
 * Causes whose only remedy is a workaround (a Cloudflare challenge, a misnamed file) are never sent.
 */
export const CONSULT_POLICIES = ['unfixed', 'all'] as const;
/** One of {@link CONSULT_POLICIES}. */
export type ConsultPolicy = (typeof CONSULT_POLICIES)[number];

/** The adviser's resolved settings (a value: built by {@link resolveAdviserSettings}, passed down). */
export interface AdviserSettings {
  url: string;
  model: string;
  apiKey?: string;
  /** The variable the key was read from (named in messages; its value never is). */
  keyEnv?: string;
  policy: ConsultPolicy;
  timeoutMs: number;
  /** At most this many groups are sent per diagnosis. */
  maxGroups: number;
}

/** What the CLI and the config give; see {@link resolveAdviserSettings}. */
export interface AdviserFlags {
  /** `--llm` (true) or `--llm URL`; absent: the adviser is off. */
  llm?: string | boolean;
  llmModel?: string;
  llmConsult?: ConsultPolicy;
  /** Seconds. */
  llmTimeout?: number;
  llmMaxGroups?: number;
}

/**
 * Defaults from the Config (`llm:` in plexmend.yaml, PLEXMEND_LLM_URL / PLEXMEND_LLM_MODEL), and the key
 * config/ read from the environment variable `keyEnv` (named by --llm-key-env or the file, else the first of
 * {@link LLM_KEY_ENVS} that is set).
 */
export interface AdviserDefaults {
  url?: string;
  model?: string;
  consult?: ConsultPolicy;
  timeoutMs?: number;
  keyEnv?: string;
  /** Secret: never printed. */
  key?: string;
}

/**
 * Settings when the adviser is on (`--llm`), else null: flags over the Config's defaults. Throws
 * UsageError for a missing model, a bad URL, or a named key variable that is not set.
 */
export function resolveAdviserSettings(flags: AdviserFlags, defaults: AdviserDefaults = {}): AdviserSettings | null {
  if (flags.llm === undefined || flags.llm === false) return null;
  const url = typeof flags.llm === 'string' ? flags.llm : defaults.url ?? DEFAULT_LLM_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--llm "${url}" is not a URL`, `give the API base, e.g. --llm ${DEFAULT_LLM_URL} (Ollama) or --llm https://api.openai.com/v1`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--llm "${url}" is not an http(s) URL`, `e.g. --llm ${DEFAULT_LLM_URL}`);
  const model = flags.llmModel ?? defaults.model;
  if (!model) throw new UsageError('--llm needs a model name', 'pass --llm-model NAME (e.g. llama3.1 for Ollama, gpt-4o-mini for OpenAI), or set PLEXMEND_LLM_MODEL');
  const keyEnv = defaults.keyEnv;
  const apiKey = defaults.key || undefined;
  if (keyEnv && !apiKey) throw new UsageError(`the environment variable ${keyEnv} (named for the LLM key) is not set`, `export ${keyEnv}=… before running, or drop --llm-key-env for a server that needs no key`);
  const timeoutMs = flags.llmTimeout !== undefined ? Math.round(flags.llmTimeout * 1000) : defaults.timeoutMs ?? 120_000;
  return {
    url,
    model,
    ...(apiKey ? { apiKey, keyEnv } : {}),
    policy: flags.llmConsult ?? defaults.consult ?? 'unfixed',
    timeoutMs,
    maxGroups: flags.llmMaxGroups ?? 10,
  };
}

/** The port diagnose() consults. */
export interface Adviser {
  readonly endpoint: string;
  readonly model: string;
  readonly policy: ConsultPolicy;
  readonly maxGroups: number;
  /** Values that must never reach the endpoint or a report (the Plex token, the key). */
  readonly secrets: readonly string[];
  ask(messages: ChatMessage[]): Promise<ChatReply>;
}

/** The real adviser: the OpenAI-compatible client over `deps` (global fetch by default). */
export function chatAdviser(s: AdviserSettings, plexSecrets: readonly string[] = [], deps: ChatDeps = nodeChatDeps): Adviser {
  const client = chatClient({ baseUrl: s.url, model: s.model, apiKey: s.apiKey, keyEnv: s.keyEnv, timeoutMs: s.timeoutMs }, deps);
  return {
    endpoint: client.endpoint,
    model: s.model,
    policy: s.policy,
    maxGroups: s.maxGroups,
    secrets: [...plexSecrets, ...(s.apiKey ? [s.apiKey] : [])],
    ask: (messages) => client.complete(messages),
  };
}
