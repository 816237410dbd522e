import { runService } from '../core/service.js';
import { start } from './start.js';

// The dashboard in a process of its own (scripts/up with PAAS_PROCESSES=separate;
// services/platform runs it with the others): the composition root is start.ts.

runService('dashboard', start);
