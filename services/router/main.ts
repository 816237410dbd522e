import { runService } from '../core/service.js';
import { start } from './start.js';

// The router in a process of its own (scripts/up with PAAS_PROCESSES=separate;
// services/platform runs it with the others): the composition root is start.ts.
// nginx keeps running when the router exits; the next router adopts it.

runService('router', start);
