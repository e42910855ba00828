// Worker-thread entry (plain JS so Node can start it): registers tsx, then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./grad-worker-main.ts');
