#!/usr/bin/env node
// The `floodgate` command. There is no build step: tsx's loader runs the TypeScript CLI in this
// same process, so signals (Ctrl-C) reach it directly.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
