import { runService } from '../core/service.js';
import { start } from './start.js';

// The builder in a process of its own (scripts/up with PAAS_PROCESSES=separate;
// services/platform runs it with the others): the composition root is start.ts.
// On SIGTERM it waits for pushes in progress; a second signal exits at once.

runService('builder', start);
