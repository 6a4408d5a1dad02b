#!/usr/bin/env node
// Runs the TypeScript sources through tsx (a runtime dependency), so the installed binary needs no build step.
import { register } from 'tsx/esm/api';
register();
process.env.PLEXMEND_ENTRY = '1';
await import('../src/cli/main.ts');
