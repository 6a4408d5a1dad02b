/**
 * The adviser's failures. `endpoint` failures (key refused, server unreachable, no answer in time, an HTTP
 * error after the one retry) mean no further group is worth asking in this run; `answer` failures (not JSON,
 * not the proposal schema, old text not in the file) discard one answer and the diagnosis goes on. Neither
 * ends the diagnosis: the knowledge base's proposals stand without the adviser.
 */
import { PlexmendError } from '../../errors.ts';

/** `endpoint`: stop asking in this run; `answer`: discard this answer only. */
export const ADVISER_FAILURE_SCOPES = ['endpoint', 'answer'] as const;
export type AdviserFailureScope = (typeof ADVISER_FAILURE_SCOPES)[number];

/** A failure of the LLM adviser; `scope` says whether later groups may still be asked. */
export class AdviserError extends PlexmendError {
  readonly scope: AdviserFailureScope;
  constructor(message: string, hint: string | undefined, scope: AdviserFailureScope, cause?: unknown) {
    super(message, { hint, cause });
    this.scope = scope;
  }
}

/** The endpoint answered 401/403: the API key is missing, wrong or lacks access to the model. */
export class AdviserAuthError extends AdviserError {
  constructor(status: number, keyEnv: string | undefined) {
    super(
      `the LLM endpoint refused the API key (HTTP ${status})`,
      `set PLEXMEND_LLM_KEY (or OPENAI_API_KEY), or name the variable holding the key with --llm-key-env${keyEnv ? ` (read: ${keyEnv})` : ' (no key was sent)'}`,
      'endpoint',
    );
  }
}

/** Nothing listens at the URL, or the name does not resolve. */
export class AdviserUnreachableError extends AdviserError {
  constructor(url: string, code: string, cause?: unknown) {
    super(
      `cannot reach the LLM endpoint at ${url} (${code})`,
      'start the server (for Ollama: `ollama serve`), or pass its base URL with --llm URL (e.g. http://127.0.0.1:11434/v1)',
      'endpoint',
      cause,
    );
  }
}

/** No complete answer within the timeout. */
export class AdviserTimeoutError extends AdviserError {
  constructor(url: string, timeoutMs: number) {
    super(
      `the LLM endpoint at ${url} did not answer within ${Math.round(timeoutMs / 100) / 10} s`,
      'a local model may need longer: raise --llm-timeout SECONDS, or choose a smaller model',
      'endpoint',
    );
  }
}

/** Any other HTTP failure (404 wrong path or model, 400, 5xx after the retry). */
export class AdviserHttpError extends AdviserError {
  readonly status: number;
  constructor(url: string, status: number, detail: string) {
    super(
      `the LLM endpoint at ${url} answered HTTP ${status}${detail ? `: ${detail}` : ''}`,
      status === 404
        ? 'the URL must be the API base ending in /v1 (it gets /chat/completions appended) and --llm-model a model the server has'
        : 'check the server\'s own log; plexmend retried once',
      'endpoint',
    );
    this.status = status;
  }
}

/** A reply that is not usable: not an OpenAI chat completion, no JSON proposal, or not the schema. */
export class AdviserAnswerError extends AdviserError {
  constructor(message: string) {
    super(message, 'the answer was discarded; the knowledge base\'s proposals stand', 'answer');
  }
}
