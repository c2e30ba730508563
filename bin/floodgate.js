#!/usr/bin/env node
// The `floodgate` command. There is no build step: tsx's loader runs the TypeScript CLI in this
// same process, so signals (Ctrl-C) reach it directly.
import { register } from 'tsx/esm/api';

// A closed pipe (`floodgate … | head`) is the reader saying it has seen enough, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

register();
const { main } = await import('../cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
