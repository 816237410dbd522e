import { keyValues, table } from '../../format.js';
import type { PipelineInfoView, PipelinePromotionView, PipelineView } from '../../../services/core/api.js';

// Text the pipelines commands print.

/** `paas pipelines`: a table of names and owners, or how to make the first. */
export function pipelinesText(pipelines: readonly PipelineView[]): string {
  if (pipelines.length === 0)
    return 'You have no pipelines. Create one with `paas pipelines:create NAME -a APP --stage staging`.';
  return [
    '=== Pipelines',
    table(
      pipelines.map((p) => [p.name, p.owner.email ?? p.owner.id]),
      ['Name', 'Owner'],
    ),
  ].join('\n');
}

/** `paas pipelines:info`: the owner, then the apps by stage with their latest release. */
export function pipelineInfoText(p: PipelineInfoView): string {
  const rows = p.stages.flatMap((s) =>
    s.apps.map((a) => [a.name, s.stage, a.release ? `v${a.release.version}` : 'no release']),
  );
  const lines = [`=== ${p.name}`, keyValues([['Owner', p.owner.email ?? p.owner.id]]), ''];
  if (rows.length === 0)
    lines.push('No apps yet. Add one with `paas pipelines:add ' + p.name + ' -a APP --stage staging`.');
  else lines.push(table(rows, ['App', 'Stage', 'Release']));
  if (p.hidden_apps > 0)
    lines.push(`(and ${p.hidden_apps} app${p.hidden_apps === 1 ? '' : 's'} you do not have access to)`);
  return lines.join('\n');
}

/** `paas pipelines:promote`: one line per target. */
export function promotionText(p: PipelinePromotionView): string {
  return p.targets.map((t) => `Promoting to ${t.app.name}... done, v${t.release.version}`).join('\n');
}
