import { listing } from '../../command.js';
import type { PipelineView } from '../../../services/core/api.js';
import { pipelinesText } from './format.js';

// pipelines: the pipelines you own or have an app in.

export default listing<PipelineView[]>('pipelines', {
  description: 'list the pipelines you own or can see an app of',
  example: ['$ paas pipelines', '=== Pipelines', 'Name   Owner', 'shop   me@example.com'],
  path: '/pipelines',
  text: pipelinesText,
});
