/**
 * The optional LLM adviser of `plexmend diagnose --llm` (issue #4): settings, the adviser port and its
 * OpenAI-compatible implementation. diagnose() consults it per group (consult.ts); everything it proposes
 * passes the same checklist as a recipe's proposal or is discarded.
 */
export {
  resolveAdviserSettings,
  chatAdviser,
  DEFAULT_LLM_URL,
  LLM_KEY_ENVS,
  CONSULT_POLICIES,
  type Adviser,
  type AdviserSettings,
  type AdviserFlags,
  type AdviserDefaults,
  type ConsultPolicy,
} from './adviser.ts';
export { describeAdviserRun } from './consult.ts';
export { chatClient, nodeChatDeps, displayEndpoint, type ChatClient, type ChatDeps, type ChatMessage, type ChatReply } from './client.ts';
export { AdviserError, AdviserAuthError, AdviserUnreachableError, AdviserTimeoutError, AdviserHttpError, AdviserAnswerError } from './errors.ts';
