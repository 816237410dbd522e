import { describe, expect, it } from 'vitest';
import { PaasError } from '../../../services/core/errors.js';
import { parseSlugId, slugId } from '../../../services/core/ids.js';
import {
  assertPipelineName,
  byStage,
  isStage,
  nextStage,
  parseStage,
  PIPELINE_STAGES,
} from '../../../services/core/pipelines.js';

function refused(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof PaasError) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('not refused');
}

describe('pipeline stages', () => {
  it("are Heroku's, upstream first", () => {
    expect(PIPELINE_STAGES).toEqual(['review', 'development', 'staging', 'production']);
    expect(isStage('staging')).toBe(true);
    for (const bad of ['Staging', 'prod', '', 7, undefined]) expect(isStage(bad)).toBe(false);
    expect(parseStage('review')).toBe('review');
    expect(refused(() => parseStage('qa'))).toBe(
      'invalid_params: Stage must be one of review, development, staging, production: "qa"',
    );
    expect(refused(() => parseStage(undefined))).toMatch(/^invalid_params: Stage must be one of/);
  });

  it('go to the next stage downstream that has apps, skipping empty ones', () => {
    expect(nextStage('staging', ['staging', 'production'])).toBe('production');
    expect(nextStage('review', ['production', 'staging'])).toBe('staging');
    expect(nextStage('development', ['review', 'production'])).toBe('production');
    expect(nextStage('production', ['review', 'staging'])).toBeUndefined();
    expect(nextStage('staging', ['review', 'development', 'staging'])).toBeUndefined();
    expect(nextStage('review', [])).toBeUndefined();
  });

  it('group apps by stage in order, by name within one, leaving out empty stages', () => {
    const apps = [
      { name: 'b-prod', stage: 'production' as const },
      { name: 'stg', stage: 'staging' as const },
      { name: 'a-prod', stage: 'production' as const },
    ];
    expect(byStage(apps)).toEqual([
      { stage: 'staging', apps: [apps[1]] },
      { stage: 'production', apps: [apps[2], apps[0]] },
    ]);
    expect(byStage([])).toEqual([]);
  });
});

describe('pipeline names', () => {
  it('follow the rule of app names', () => {
    expect(assertPipelineName('shop')).toBe('shop');
    expect(assertPipelineName('my-shop-2')).toBe('my-shop-2');
    for (const bad of ['Shop', 's', '-shop', 'shop-', 'sh--op', 'a'.repeat(31), 'a/b', 42, undefined])
      expect(
        refused(() => assertPipelineName(bad)),
        String(bad),
      ).toMatch(/^invalid_params: A pipeline name must/);
  });
});

describe('slug ids', () => {
  it('are <app>/v<N>, parsed back; anything else is not one', () => {
    expect(slugId('my-app', 12)).toBe('my-app/v12');
    expect(parseSlugId('my-app/v12')).toEqual({ app: 'my-app', version: 12 });
    for (const bad of ['my-app/v0', 'my-app/12', 'my-app-v12', 'My/v1', '/v1', 'a/v1/x', 'paas/app-x:b1', 'x/v01'])
      expect(parseSlugId(bad), bad).toBeUndefined();
  });
});
