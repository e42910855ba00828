// Worker-thread entry (plain JS so Node can start it): registers tsx, then runs the TypeScript worker.
// The built CLI (dist/cli) has its own entry that loads the compiled module instead.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('../../bin/tfjs-esm-hook.mjs', import.meta.url); // TF.js's per-op gradient modules (see the file)
await import('./grad-worker-main.ts');
