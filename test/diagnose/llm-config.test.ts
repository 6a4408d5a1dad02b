/**
 * The adviser's defaults in the one Config (config/resolve.ts): `llm:` in plexmend.yaml, PLEXMEND_LLM_URL /
 * PLEXMEND_LLM_MODEL over it, the key from PLEXMEND_LLM_KEY, else OPENAI_API_KEY, else the variable named by
 * --llm-key-env or the file — and then resolveAdviserSettings over them. In-memory machine, no real env.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, type ConfigEnvironment } from '../../src/config/resolve.ts';
import type { ConfigDeps } from '../../src/config/ports.ts';
import { resolveAdviserSettings } from '../../src/diagnose/llm/adviser.ts';
import { InputError } from '../../src/errors.ts';

function deps(files: Record<string, string> = {}): ConfigDeps {
  return {
    async readText(path) {
      if (files[path] === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return files[path]!;
    },
    isDirectory: async () => false,
    run: async () => ({ code: -1, stdout: '', stderr: '' }),
    pidAlive: () => false,
  };
}
const env = (vars: Record<string, string>): ConfigEnvironment => ({ env: vars, cwd: '/work/dir', platform: 'linux', homedir: '/home/ann' });
const YAML = 'llm:\n  url: http://10.0.0.9:8080/v1\n  model: local-coder\n  consult: all\n  timeoutMs: 300000\n';

test('config: no llm settings anywhere → no llm part; the adviser stays off without --llm even when configured', async () => {
  const none = await resolveConfig({}, env({}), deps());
  assert.equal(none.llm, undefined);
  const c = await resolveConfig({}, env({}), deps({ '/work/dir/plexmend.yaml': YAML }));
  assert.deepEqual(c.llm, { url: 'http://10.0.0.9:8080/v1', model: 'local-coder', consult: 'all', timeoutMs: 300000 });
  assert.equal(resolveAdviserSettings({}, c.llm), null);
  assert.deepEqual(resolveAdviserSettings({ llm: true }, c.llm), { url: 'http://10.0.0.9:8080/v1', model: 'local-coder', policy: 'all', timeoutMs: 300000, maxGroups: 10 });
});

test('config: env over file; the key from PLEXMEND_LLM_KEY before OPENAI_API_KEY; a named variable wins', async () => {
  const files = { '/work/dir/plexmend.yaml': YAML };
  let c = await resolveConfig({}, env({ PLEXMEND_LLM_URL: 'http://127.0.0.1:11434/v1', PLEXMEND_LLM_MODEL: 'llama3.1', OPENAI_API_KEY: 'sk-openai', PLEXMEND_LLM_KEY: 'sk-plexmend' }), deps(files));
  assert.equal(c.llm?.url, 'http://127.0.0.1:11434/v1');
  assert.equal(c.llm?.model, 'llama3.1');
  assert.deepEqual([c.llm?.keyEnv, c.llm?.key], ['PLEXMEND_LLM_KEY', 'sk-plexmend']);
  c = await resolveConfig({}, env({ OPENAI_API_KEY: 'sk-openai' }), deps());
  assert.deepEqual(c.llm, { keyEnv: 'OPENAI_API_KEY', key: 'sk-openai' });
  c = await resolveConfig({ llmKeyEnv: 'GROQ_KEY' }, env({ GROQ_KEY: 'gsk-1', PLEXMEND_LLM_KEY: 'sk-plexmend' }), deps());
  assert.deepEqual([c.llm?.keyEnv, c.llm?.key], ['GROQ_KEY', 'gsk-1']);
  c = await resolveConfig({ llmKeyEnv: 'GROQ_KEY' }, env({}), deps());
  assert.throws(() => resolveAdviserSettings({ llm: true, llmModel: 'm' }, c.llm), /GROQ_KEY \(named for the LLM key\) is not set/);
});

test('config: a typo or a bad value under llm: is an error, as for every other key', async () => {
  await assert.rejects(resolveConfig({}, env({}), deps({ '/work/dir/plexmend.yaml': 'llm:\n  modle: x\n' })), InputError);
  await assert.rejects(resolveConfig({}, env({}), deps({ '/work/dir/plexmend.yaml': 'llm:\n  consult: some\n' })), InputError);
  await assert.rejects(resolveConfig({}, env({}), deps({ '/work/dir/plexmend.yaml': 'llm:\n  key: sk-in-a-file\n' })), InputError, 'the key itself is not a config-file value');
});
