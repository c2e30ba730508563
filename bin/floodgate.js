#!/usr/bin/env node
// The `floodgate` command. There is no build step: tsx's loader runs the TypeScript CLI in this
// same process, so signals (Ctrl-C) reach it directly.
import { register } from 'tsx/esm/api';

// A closed pipe (`floodgate … | head`) means the reader has seen enough: stop writing to it, but
// let the command finish its work (a load test still ends, writes its results and its exit code).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    stream.write = () => true;
  });
}

register();
const { main } = await import('../cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
