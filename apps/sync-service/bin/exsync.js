#!/usr/bin/env node
// The service runs from TypeScript source through tsx (no build step); this launcher makes `exsync` a command.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
