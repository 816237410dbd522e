import { describe, expect, it } from 'vitest';
import { CliError } from '../../../../cli/context.js';
import { pipelineInfoText, pipelinesText, promotionText } from '../../../../cli/commands/pipelines/format.js';
import { appList, confirmedPipeline, stageOption } from '../../../../cli/commands/pipelines/parse.js';
import type { PipelineInfoView, PipelinePromotionView } from '../../../../services/core/api.js';

const owner = { id: 'u1', email: 'me@example.com' };

describe('pipelines CLI parsing', () => {
  it('needs --stage; the API checks its value', () => {
    expect(stageOption(' staging ')).toBe('staging');
    expect(() => stageOption(undefined)).toThrow(CliError);
    expect(() => stageOption('')).toThrow(
      "Give the app's stage with --stage (review, development, staging or production)",
    );
  });

  it('splits --to at commas', () => {
    expect(appList(undefined)).toBeUndefined();
    expect(appList('a, b,,a')).toEqual(['a', 'b']);
    expect(() => appList(' , ')).toThrow('--to needs one or more app names, separated by commas');
  });

  it('destroys only what --confirm names again', () => {
    expect(confirmedPipeline('shop', 'shop')).toBe('shop');
    expect(() => confirmedPipeline('shop', 'shap')).toThrow(/paas pipelines:destroy shop --confirm shop$/);
    expect(() => confirmedPipeline('shop', undefined)).toThrow(CliError);
  });
});

describe('pipelines CLI text', () => {
  it('lists pipelines, or says how to make one', () => {
    expect(pipelinesText([])).toMatch(/^You have no pipelines/);
    expect(pipelinesText([{ id: 'p', name: 'shop', owner, created_at: '' }]).split('\n')).toEqual([
      '=== Pipelines',
      'Name  Owner',
      '────  ──────────────',
      'shop  me@example.com',
    ]);
  });

  it('shows the apps by stage, and how many are hidden', () => {
    const info: PipelineInfoView = {
      id: 'p',
      name: 'shop',
      owner,
      created_at: '',
      stages: [
        { stage: 'staging', apps: [{ name: 'stg', stage: 'staging', release: { version: 12 } }] },
        { stage: 'production', apps: [{ name: 'prod', stage: 'production', release: null }] },
      ],
      hidden_apps: 2,
    };
    expect(pipelineInfoText(info).split('\n')).toEqual([
      '=== shop',
      'Owner:  me@example.com',
      '',
      'App   Stage       Release',
      '────  ──────────  ──────────',
      'stg   staging     v12',
      'prod  production  no release',
      '(and 2 apps you do not have access to)',
    ]);
    expect(pipelineInfoText({ ...info, stages: [], hidden_apps: 0 })).toMatch(/No apps yet\. Add one with/);
  });

  it('prints a line per promoted app', () => {
    const p: PipelinePromotionView = {
      pipeline: { id: 'p', name: 'shop' },
      source: { app: { name: 'stg' }, release: { version: 4 }, slug: { id: 'stg/v4' } },
      targets: [
        { app: { name: 'prod' }, stage: 'production', release: { version: 7 } },
        { app: { name: 'prod-eu' }, stage: 'production', release: { version: 2 } },
      ],
      created_at: '',
    };
    expect(promotionText(p)).toBe('Promoting to prod... done, v7\nPromoting to prod-eu... done, v2');
  });
});
