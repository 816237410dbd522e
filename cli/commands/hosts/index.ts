import { listing } from '../../command.js';
import type { HostView } from '../../../services/core/api.js';
import { hostsTable } from './format.js';

export default listing<HostView[]>('hosts', {
  description: 'list the hosts (admins): tags, memory and CPU used/allocated/capacity, containers',
  example: [
    '$ paas hosts',
    'ID      ADDRESS    TAGS         MEMORY (used/alloc/cap)  CPU (used/alloc/cap)  CONTAINERS',
    'host-1  127.0.0.1  pool=shared  300/1024/8192 MB         0.2/2/64              2',
    'cap: as placement counts it (4 CPUs × 16: PAAS_SCHEDULER_CPU_OVERCOMMIT, PAAS_SCHEDULER_MEMORY_OVERCOMMIT)',
  ],
  path: '/hosts',
  text: hostsTable,
});
