import { describe, expect, it } from 'vitest';
import { PaasError } from '../../../services/core/errors.js';
import { hostnameProblem, isCustomHostname, parseHostname } from '../../../services/core/hostnames.js';

// Custom domains: what the controller accepts and the router renders.

function refusal(input: unknown, domain = 'paas.example.net'): string {
  try {
    parseHostname(input, domain);
  } catch (err) {
    expect(err).toBeInstanceOf(PaasError);
    expect((err as PaasError).code).toBe('invalid_params');
    return (err as PaasError).message;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('parseHostname', () => {
  it('lowercases and trims valid names', () => {
    expect(parseHostname('WWW.Example.COM', 'localhost')).toBe('www.example.com');
    expect(parseHostname('  api.example.co.uk ', 'localhost')).toBe('api.example.co.uk');
    expect(parseHostname('xn--bcher-kva.example', 'localhost')).toBe('xn--bcher-kva.example');
    expect(parseHostname('a-1.b2.example.com', 'localhost')).toBe('a-1.b2.example.com');
    expect(parseHostname(`${'a'.repeat(63)}.com`, 'localhost')).toBe(`${'a'.repeat(63)}.com`);
  });

  it('accepts a name of exactly 253 characters and refuses 254', () => {
    const name = (n: number) => `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(n - 3 * 64)}`;
    expect(name(253)).toHaveLength(253);
    expect(parseHostname(name(253), 'localhost')).toBe(name(253));
    expect(refusal(name(254))).toContain('longer than 253');
  });

  it.each([
    [undefined, 'hostname is required'],
    [42, 'hostname is required'],
    [['a.com'], 'hostname is required'],
    ['', 'is empty'],
    ['com', 'two labels'],
    ['1.2.3.4', 'IP address'],
    ['::1', 'IP address'],
    ['[2001:db8::1]', 'IP address'],
    ['example.123', 'numeric label'],
    ['*.example.com', 'wildcard'],
    ['www.*.com', 'wildcard'],
    ['-a.example.com', 'inner dashes'],
    ['a-.example.com', 'inner dashes'],
    ['a_b.example.com', 'inner dashes'],
    ['ex ample.com', 'inner dashes'],
    ['example.com;', 'inner dashes'],
    ['example.com\nlisten 1', 'inner dashes'],
    ['exämple.com', 'inner dashes'],
    ['example.com/', 'inner dashes'],
    ['a..com', 'empty label'],
    ['.example.com', 'empty label'],
    ['example.com.', 'empty label'],
    [`${'a'.repeat(64)}.com`, 'longer than 63'],
    ['paas.example.net', "platform's own domain"],
    ['my-app.paas.example.net', "platform's own domain"],
    ['A.PAAS.Example.NET', "platform's own domain"],
  ])('refuses %j (%s)', (input, reason) => {
    expect(refusal(input)).toContain(reason);
  });

  it('quotes a long hostile input only in part', () => {
    expect(refusal('x'.repeat(5000)).length).toBeLessThan(300);
  });

  it('allows a name that merely ends like the platform domain', () => {
    expect(parseHostname('notpaas.example.net', 'paas.example.net')).toBe('notpaas.example.net');
  });
});

describe('isCustomHostname (the router re-check)', () => {
  it('takes only lowercase valid names outside the platform domain', () => {
    expect(isCustomHostname('www.example.com', 'localhost')).toBe(true);
    expect(isCustomHostname('WWW.example.com', 'localhost')).toBe(false);
    expect(isCustomHostname('shop.localhost', 'localhost')).toBe(false);
    expect(isCustomHostname('a.com; return 200', 'localhost')).toBe(false);
    expect(isCustomHostname(7, 'localhost')).toBe(false);
    expect(isCustomHostname(null, 'localhost')).toBe(false);
    expect(hostnameProblem('www.example.com', 'localhost')).toBeUndefined();
  });
});
