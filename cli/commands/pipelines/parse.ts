import { CliError } from '../../context.js';

// What the pipelines commands take (pure): a stage, a list of apps, the confirmation of a destroy.

/** The stages, upstream first, for help and messages (the API checks them). */
export const STAGES_HELP = 'review, development, staging or production';

/** --stage, which the command needs; its value is checked by the API. */
export function stageOption(stage: string | undefined): string {
  const s = stage?.trim();
  if (!s) throw new CliError(`Give the app's stage with --stage (${STAGES_HELP})`);
  return s;
}

/** --to "a,b, c" -> ['a', 'b', 'c']; absent: undefined (the next stage downstream). */
export function appList(to: string | undefined): string[] | undefined {
  if (to === undefined) return undefined;
  const apps = to
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (apps.length === 0) throw new CliError('--to needs one or more app names, separated by commas');
  return [...new Set(apps)];
}

/** pipelines:destroy NAME must be confirmed with --confirm NAME. */
export function confirmedPipeline(name: string, confirm: string | undefined): string {
  if (confirm !== name) {
    throw new CliError(
      `This will delete the pipeline ${name} (its apps stay as they are). To proceed, type paas pipelines:destroy ${name} --confirm ${name}`,
    );
  }
  return name;
}
