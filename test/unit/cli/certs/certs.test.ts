import { describe, expect, it } from 'vitest';
import { certsText, expiry } from '../../../../cli/commands/certs/index.js';
import { certInfoText } from '../../../../cli/commands/certs/info.js';
import type { CertView } from '../../../../services/core/api.js';

// certs and certs:info: the text, pure.

const NOW = Date.parse('2026-12-07T12:00:00Z');
const cert = (over: Partial<CertView> = {}): CertView => ({
  id: 'current',
  source: 'upload',
  domains: ['www.shop.example', 'shop.example'],
  covers: ['www.shop.example'],
  issuer: 'Example CA',
  subject: 'CN=www.shop.example',
  not_before: '2026-12-01T00:00:00.000Z',
  not_after: '2027-03-01T00:00:00.000Z',
  sha256_fingerprint: 'AB:CD',
  serial: '01',
  self_signed: false,
  updated_at: '2026-12-07T00:00:00.000Z',
  ...over,
});

describe('certs text', () => {
  it('says how far the expiry is, or that it passed', () => {
    expect(expiry('2027-03-01T00:00:00.000Z', NOW)).toBe('2027-03-01 (in 83 days)');
    expect(expiry('2026-12-08T13:00:00.000Z', NOW)).toBe('2026-12-08 (in 1 day)');
    expect(expiry('2026-12-01T00:00:00.000Z', NOW)).toBe('2026-12-01 (expired)');
  });

  it('lists the certificate, or says how to add one', () => {
    expect(certsText('shop', [])).toBe('shop has no SSL certificates.\nUse `paas certs:add CRT KEY` to add one.');
    const text = certsText('shop', [cert(), cert({ id: 'x', source: 'acme', covers: ['a.shop.example', 'b'] })]);
    expect(text.split('\n')[0]).toMatch(/^Name +Domains +Issuer +Expires +Type$/);
    expect(text).toContain('www.shop.example');
    expect(text).toContain('uploaded');
    expect(text).toContain('a.shop.example, b');
    expect(text).toContain('ACM');
  });

  it('shows the names, the issuer (self-signed said so), the fingerprint and the warnings, never a key', () => {
    const text = certInfoText(cert({ self_signed: true, warnings: ['no intermediate certificate'] }));
    expect(text).toContain('Domains served:        www.shop.example');
    expect(text).toContain('Certificate names:     www.shop.example, shop.example');
    expect(text).toContain('Issuer:                Example CA (self-signed)');
    expect(text).toContain('Fingerprint (SHA-256): AB:CD');
    expect(text.split('\n').at(-1)).toBe('Warning: no intermediate certificate');
  });
});
