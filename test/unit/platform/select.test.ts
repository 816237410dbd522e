import { describe, expect, it } from 'vitest';
import { selectServices } from '../../../services/platform/select.js';

const ALL = ['controller', 'builder', 'scheduler', 'agent', 'router', 'dashboard'];

describe('selectServices', () => {
  it('runs all six with no names, else those named, in the platform order', () => {
    expect(selectServices([], ALL)).toEqual(ALL);
    expect(selectServices(['router', 'agent'], ALL)).toEqual(['agent', 'router']);
    expect(selectServices(['dashboard', 'controller'], ALL)).toEqual(['controller', 'dashboard']);
  });

  it('refuses an unknown or a repeated name', () => {
    expect(() => selectServices(['agnet'], ALL)).toThrow(/no service "agnet": one of controller, builder/);
    expect(() => selectServices(['agent', 'agent'], ALL)).toThrow(/agent named twice/);
  });
});
