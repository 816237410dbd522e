import { describe, expect, it } from 'vitest';
import {
  buildpackFailure,
  releaseConfigVars,
  type BuildpackPlan,
} from '../../../../services/builder/build/buildpacks.js';
import { withConfigDefaults } from '../../../../services/controller/buildpacks/buildpacks.js';

describe('releaseConfigVars', () => {
  it('merges config_vars of every release, later wins, skipping what the platform sets and what is not a scalar', () => {
    const a =
      '---\nconfig_vars:\n  LANG: en_US.UTF-8\n  PATH: /app/bin\n  PORT: "1"\n  PAAS_X: y\n  bad-name: z\n  LIST: [1]\n';
    const b = 'config_vars:\n  PATH: /app/.hello/bin:/usr/bin\n  N: 3\ndefault_process_types:\n  web: x\n';
    expect(releaseConfigVars([a, 'not: [valid', '', b])).toEqual({
      LANG: 'en_US.UTF-8',
      PATH: '/app/.hello/bin:/usr/bin',
      N: '3',
    });
  });
});

describe('withConfigDefaults', () => {
  it('adds only the keys the app has not set', () => {
    expect(withConfigDefaults({ A: 'mine' }, { A: 'theirs', B: 'b' })).toEqual({ A: 'mine', B: 'b' });
    expect(withConfigDefaults({ A: '' }, undefined)).toEqual({ A: '' });
  });
});

describe('buildpackFailure', () => {
  const plan: BuildpackPlan = { source: 'app', mode: 'all', labels: ['nodejs', 'https://h/bp.tgz'], mounts: [] };
  it('names the buildpack concerned', () => {
    expect(buildpackFailure(10, plan, undefined)).toMatch(
      /^No default language could be detected for this app\. Tried: nodejs, https:\/\/h\/bp\.tgz\./,
    );
    expect(buildpackFailure(11, plan, 1)).toBe(
      'Failed to compile app with buildpack https://h/bp.tgz (see the output above)',
    );
    expect(buildpackFailure(13, plan, 0)).toBe('App not compatible with buildpack: nodejs (its bin/detect failed)');
    expect(buildpackFailure(137, plan, 0)).toBeUndefined();
  });
});
