import { describe, expect, it } from 'vitest';
import { PaasError } from '../../../services/core/errors.js';
import type { App, Pipeline, PipelineCoupling, Release } from '../../../services/core/types.js';
import {
  isCurrent,
  parseCouplingCreate,
  parsePipelineCreate,
  pipelineInfoView,
} from '../../../services/controller/pipelines/pipelines.js';
import { parsePromotion, promotionTargets, type Candidate } from '../../../services/controller/pipelines/promote.js';
import {
  parseReleaseRequest,
  parseSlugRef,
  slugProblem,
  slugRelease,
} from '../../../services/controller/releases/slugs.js';

function refused(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof PaasError) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('not refused');
}

const pipeline: Pipeline = { id: 'p1', name: 'shop', owner: 'u1', createdAt: '2026-01-01T00:00:00.000Z' };
const coupling = (app: string, stage: PipelineCoupling['stage']): PipelineCoupling => ({
  app,
  pipeline: 'shop',
  pipelineId: 'p1',
  stage,
  createdAt: '2026-01-01T00:00:00.000Z',
});
const app = (name: string, latestRelease = 0): App => ({ name, id: name, owner: 'u1', createdAt: '', latestRelease });

describe('POST /apps/:app/releases bodies', () => {
  it('take exactly one of release and slug', () => {
    expect(parseReleaseRequest({ release: 'v3' }, 'a')).toEqual({ rollback: 3 });
    expect(parseReleaseRequest({ slug: 'src/v2' }, 'a')).toEqual({ slug: { app: 'src', version: 2 } });
    expect(parseReleaseRequest({ slug: '20260101-000000-abcdef', release: null }, 'a')).toEqual({
      slug: { build: '20260101-000000-abcdef' },
    });
    expect(refused(() => parseReleaseRequest({ release: 1, slug: 'a/v1' }, 'a'))).toBe(
      'invalid_params: Give either "release" (a rollback) or "slug" (a deploy of a build), not both',
    );
    expect(refused(() => parseReleaseRequest({}, 'a'))).toMatch(/^invalid_params: Give "release" to roll back to/);
  });

  it('name a slug by its slug id or a build id, nothing else', () => {
    expect(parseSlugRef('my-app/v1')).toEqual({ app: 'my-app', version: 1 });
    expect(parseSlugRef('b1')).toEqual({ build: 'b1' });
    for (const bad of ['', '../x', 'a/v0', 'a b', 7, { id: 'a/v1' }, null])
      expect(
        refused(() => parseSlugRef(bad)),
        JSON.stringify(bad),
      ).toMatch(/^invalid_params: Not a slug: /);
  });
});

describe('a deploy of a slug', () => {
  const source: Release = {
    app: 'src',
    version: 4,
    image: 'paas/app-src:b1',
    config: { SECRET: 'src' },
    processTypes: { web: 'node s.js', release: 'node m.js' },
    healthcheck: { path: '/health' },
    description: 'Deploy abc',
    commit: 'abcdef1',
    buildId: 'b1',
    createdBy: 'builder',
    createdAt: 't0',
  };
  const o = { description: 'Deploy src/v4', createdBy: 'u2', createdAt: 't1' };

  it("copies the source's image, process types, health check, commit and build; keeps the target's config", () => {
    const previous = { ...source, app: 'dst', image: 'old', config: { SECRET: 'dst' }, processTypes: { web: 'x' } };
    expect(slugRelease(source, previous, o)).toEqual({
      image: 'paas/app-src:b1',
      config: { SECRET: 'dst' },
      processTypes: { web: 'node s.js', release: 'node m.js' },
      healthcheck: { path: '/health' },
      description: 'Deploy src/v4',
      commit: 'abcdef1',
      buildId: 'b1',
      createdBy: 'u2',
      createdAt: 't1',
    });
    const { healthcheck: _h, commit: _c, buildId: _b, ...bare } = source;
    expect(slugRelease(bare, undefined, o)).toEqual({
      image: 'paas/app-src:b1',
      config: {},
      processTypes: source.processTypes,
      ...o,
    });
  });

  it('is refused for a release with no image or one the builder no longer keeps', () => {
    const kept = { images: ['paas/app-src:b1'], n: 5 };
    expect(slugProblem(source, 'src/v4', kept)).toBeUndefined();
    expect(slugProblem({ image: '' }, 'src/v1', kept)).toBe(
      "src/v1 has no build (a config-only release made before its app's first deploy)",
    );
    expect(slugProblem({ image: 'paas/app-src:b0' }, 'src/v2', kept)).toMatch(
      /^src\/v2's build has been cleaned up: the platform keeps the builds of the last 5 distinct releases/,
    );
  });
});

describe('pipeline requests', () => {
  it('create: a name, with an app and its stage or neither', () => {
    expect(parsePipelineCreate({ name: 'shop' })).toEqual({ name: 'shop' });
    expect(parsePipelineCreate({ name: 'shop', app: 'stg', stage: 'staging' })).toEqual({
      name: 'shop',
      couple: { app: 'stg', stage: 'staging' },
    });
    expect(refused(() => parsePipelineCreate({ name: 'shop', stage: 'staging' }))).toMatch(
      /Give both "app" and "stage"/,
    );
    expect(refused(() => parsePipelineCreate({ name: 'shop', app: 'stg', stage: 'qa' }))).toMatch(
      /Stage must be one of/,
    );
    expect(refused(() => parsePipelineCreate({}))).toMatch(/A pipeline name must/);
  });

  it('coupling: an app, a pipeline and a stage', () => {
    expect(parseCouplingCreate({ app: 'prod', pipeline: 'shop', stage: 'production' })).toEqual({
      app: 'prod',
      pipeline: 'shop',
      stage: 'production',
    });
    expect(refused(() => parseCouplingCreate({ app: 'prod', stage: 'production' }))).toMatch(/Give the "pipeline"/);
    expect(refused(() => parseCouplingCreate({ pipeline: 'shop', stage: 'production' }))).toMatch(/Give the "app"/);
    expect(refused(() => parseCouplingCreate({ app: 'prod', pipeline: 'shop' }))).toMatch(/Stage must be one of/);
  });

  it('promotion: a source and maybe targets, never the source itself', () => {
    expect(parsePromotion({ source: 'stg' })).toEqual({ source: 'stg' });
    expect(parsePromotion({ source: 'stg', targets: ['pa', 'pb', 'pa'] })).toEqual({
      source: 'stg',
      targets: ['pa', 'pb'],
    });
    expect(refused(() => parsePromotion({ source: 'stg', targets: ['stg'] }))).toBe(
      'invalid_params: Cannot promote stg to itself',
    );
    expect(refused(() => parsePromotion({ source: 'stg', targets: 'prod' }))).toMatch(/targets must be a list/);
    expect(refused(() => parsePromotion({ source: 'stg', targets: Array(51).fill('xy') }))).toMatch(/1 to 50/);
    expect(refused(() => parsePromotion({}))).toMatch(/^invalid_params: Name must start/);
  });
});

describe('promotion targets', () => {
  const o = { source: 'stg', stage: 'staging' as const, pipeline: 'shop' };
  const m = (name: string, stage: Candidate['stage'], visible = true): Candidate => ({ name, stage, visible });
  const members = [m('rev', 'review'), m('stg', 'staging'), m('prod-b', 'production'), m('prod-a', 'production')];

  it('are the apps of the next stage downstream that has apps', () => {
    expect(promotionTargets(o, members).map((t) => t.name)).toEqual(['prod-b', 'prod-a']);
    expect(promotionTargets({ ...o, source: 'rev', stage: 'review' }, members).map((t) => t.name)).toEqual(['stg']);
    // another app at the source's own stage is not downstream
    expect(
      promotionTargets(o, [m('stg', 'staging'), m('stg2', 'staging'), m('prod', 'production')]).map((t) => t.name),
    ).toEqual(['prod']);
  });

  it('are the apps named, each in the pipeline', () => {
    expect(promotionTargets(o, members, ['prod-a']).map((t) => t.name)).toEqual(['prod-a']);
    expect(promotionTargets(o, members, ['rev']).map((t) => t.name)).toEqual(['rev']);
    expect(refused(() => promotionTargets(o, members, ['other']))).toBe(
      'invalid_params: other is not in the pipeline shop',
    );
  });

  it('refuse nowhere to go, and a stage with an app the caller cannot change', () => {
    expect(refused(() => promotionTargets({ ...o, source: 'prod-a', stage: 'production' }, members))).toBe(
      'invalid_params: No app downstream of prod-a (production) in the pipeline shop to promote to',
    );
    expect(
      refused(() => promotionTargets(o, [m('stg', 'staging'), m('p1', 'production'), m('p2', 'production', false)])),
    ).toBe(
      'forbidden: You cannot change every app of the production stage of the pipeline shop: 1 of 2 is not yours; ask for access or promote with --to',
    );
  });
});

describe('pipeline views', () => {
  it('show the apps the caller sees by stage with their latest release, and count the others', () => {
    const view = pipelineInfoView(pipeline, { id: 'u1', email: 'a@b.c', admin: false, createdAt: '' }, [
      { coupling: coupling('prod', 'production'), app: app('prod', 7) },
      { coupling: coupling('stg', 'staging'), app: app('stg') },
      { coupling: coupling('secret', 'production'), app: undefined },
    ]);
    expect(view).toEqual({
      id: 'p1',
      name: 'shop',
      owner: { id: 'u1', email: 'a@b.c' },
      created_at: '2026-01-01T00:00:00.000Z',
      stages: [
        { stage: 'staging', apps: [{ name: 'stg', stage: 'staging', release: null }] },
        { stage: 'production', apps: [{ name: 'prod', stage: 'production', release: { version: 7 } }] },
      ],
      hidden_apps: 1,
    });
  });

  it('count a coupling only while its pipeline exists with its id', () => {
    const pipelines = new Map([['shop', pipeline]]);
    expect(isCurrent(coupling('a', 'review'), pipelines)).toBe(true);
    expect(isCurrent({ ...coupling('a', 'review'), pipelineId: 'old' }, pipelines)).toBe(false);
    expect(isCurrent(coupling('a', 'review'), new Map())).toBe(false);
  });
});
