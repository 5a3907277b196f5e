import { generateKeySpec, openText, parseKeyring, sealText, UnknownKeyError } from '../../src/crypto/keyring';

describe('encryption keys', () => {
  const old = generateKeySpec('k1');
  const next = generateKeySpec('k2');

  it('rotates by key id: what the old key sealed still opens once a new key is put first', () => {
    const sealed = sealText(parseKeyring(old), 'whsec_abc');
    const rotated = parseKeyring(`${next},${old}`);
    expect(rotated.activeKeyId).toBe('k2');
    expect(openText(rotated, sealed)).toBe('whsec_abc');
    expect(sealText(rotated, 'x')).toMatch(/^enc:v1:k2:/);
  });

  it('refuses to open with a key that was dropped, naming the key id', () => {
    const sealed = sealText(parseKeyring(old), 'secret');
    expect(() => openText(parseKeyring(next), sealed)).toThrow(UnknownKeyError);
    expect(() => openText(parseKeyring(next), sealed)).toThrow(/"k1"/);
  });

  it('detects tampering (GCM authentication)', () => {
    const ring = parseKeyring(old);
    const { keyId, sealed } = ring.seal(Buffer.from('lead data'));
    sealed[20] = sealed[20]! ^ 1;
    expect(() => ring.open(keyId, sealed)).toThrow();
  });

  it.each([
    ['k1:c2hvcnQ=', /32/],
    ['no-colon', /key id/],
    [`${old},${old}`, /twice/],
    ['', /no keys/],
  ])('refuses the spec %s', (spec, message) => {
    expect(() => parseKeyring(spec)).toThrow(message);
  });

  it('passes a secret stored before encryption through unchanged', () => {
    expect(openText(parseKeyring(old), 'whsec_legacy')).toBe('whsec_legacy');
  });
});
