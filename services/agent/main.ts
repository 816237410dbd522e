import { runService } from '../core/service.js';
import { start } from './start.js';

// The agent in a process of its own (scripts/up with PAAS_PROCESSES=separate;
// services/platform runs it with the others): the composition root is start.ts.
// On SIGTERM it stops but leaves its containers running: the next agent on
// this host adopts them.

runService('agent', start);
