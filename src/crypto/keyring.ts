import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM under keys named by id, from ENCRYPTION_KEYS ("k2:<base64 32 bytes>,k1:<base64>"). The first key
 * encrypts; every listed key decrypts, so a key is rotated by putting a new one first and keeping the old
 * one listed until nothing sealed with it is still read (Temporal histories past retention, re-saved
 * secrets). Sealed data is `iv (12) || ciphertext || tag (16)`; the key id travels beside it.
 */
export interface Keyring {
  activeKeyId: string;
  seal(plain: Uint8Array): { keyId: string; sealed: Buffer };
  open(keyId: string, sealed: Uint8Array): Buffer;
}

const KEY_ID_RE = /^[A-Za-z0-9_.-]{1,32}$/;

export class UnknownKeyError extends Error {
  constructor(keyId: string) {
    super(`no encryption key with id "${keyId}" is configured (ENCRYPTION_KEYS)`);
  }
}

/** Throws with a sentence naming the problem (config validation reports it). */
export function parseKeyring(spec: string): Keyring {
  const keys = new Map<string, Buffer>();
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const colon = part.indexOf(':');
    const id = part.slice(0, colon);
    const key = Buffer.from(part.slice(colon + 1), 'base64');
    // Never quote the part itself: without a proper id before the colon it may be the key material.
    if (colon < 1 || !KEY_ID_RE.test(id)) throw new Error('each key needs a key id of 1-32 letters, digits, . _ - before a colon ("<id>:<base64 key>")');
    if (key.length !== 32) throw new Error(`key "${id}" is ${key.length} bytes; AES-256 needs 32 (base64 of 32 random bytes)`);
    if (keys.has(id)) throw new Error(`key id "${id}" appears twice`);
    keys.set(id, key);
  }
  const activeKeyId = [...keys.keys()][0];
  if (!activeKeyId) throw new Error('no keys given');
  return {
    activeKeyId,
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.get(activeKeyId)!, iv);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return { keyId: activeKeyId, sealed: Buffer.concat([iv, body, cipher.getAuthTag()]) };
    },
    open(keyId, sealed) {
      const key = keys.get(keyId);
      if (!key) throw new UnknownKeyError(keyId);
      const data = Buffer.from(sealed);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
    },
  };
}

/** A fresh key line for ENCRYPTION_KEYS. */
export function generateKeySpec(id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

const SEALED_PREFIX = 'enc:v1:';

/** A secret kept in a database column (a webhook's signing secret): `enc:v1:<key id>:<base64>`. */
export function sealText(keyring: Keyring, text: string): string {
  const { keyId, sealed } = keyring.seal(Buffer.from(text, 'utf8'));
  return `${SEALED_PREFIX}${keyId}:${sealed.toString('base64')}`;
}

/** Reads what sealText wrote; a value stored before encryption (no prefix) is returned as it is. */
export function openText(keyring: Keyring, stored: string): string {
  if (!stored.startsWith(SEALED_PREFIX)) return stored;
  const rest = stored.slice(SEALED_PREFIX.length);
  const colon = rest.indexOf(':');
  return keyring.open(rest.slice(0, colon), Buffer.from(rest.slice(colon + 1), 'base64')).toString('utf8');
}

/** Seals `text` when ENCRYPTION_KEYS is set; without keys (development) it is stored as it is. */
export function sealIfKeyed(encryptionKeys: string | undefined, text: string): string {
  return encryptionKeys ? sealText(parseKeyring(encryptionKeys), text) : text;
}
