#!/usr/bin/env node
// The `infermesh` command. npm links this file when it installs, before anything is built,
// so it is plain JavaScript that loads the compiled CLI, and says what to do when there is none.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('infermesh: the CLI is not built yet; run `npm run build` (or `npm start`) in the repository first\n');
  process.exit(1);
}
await import(main.href);
