// Text the buildpacks commands print.

/** "Buildpack set. Next release on my-app will use nodejs." and the like; pure. */
export function changedText(app: string, verb: 'set' | 'added' | 'removed', list: readonly string[]): string {
  const head = (n: number) => `${n > 1 && verb !== 'removed' ? 'Buildpacks' : 'Buildpack'} ${verb}.`;
  if (list.length === 0) return `${head(1)} Next release on ${app} will detect buildpacks normally.`;
  if (list.length === 1)
    return `${head(1)} Next release on ${app} will use ${list[0]}.\nRun git push paas main to create a new release using this buildpack.`;
  return [
    `${head(list.length)} Next release on ${app} will use:`,
    ...list.map((u, i) => `  ${i + 1}. ${u}`),
    'Run git push paas main to create a new release using these buildpacks.',
  ].join('\n');
}
