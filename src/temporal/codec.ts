import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { DataConverter } from '@temporalio/common';
import { parseKeyring, type Keyring } from '../crypto/keyring';

/**
 * Encrypts every payload Routeswit hands to Temporal (workflow and activity inputs and results, updates,
 * queries, user metadata): the Temporal server, its database and anyone reading histories without the key
 * see ciphertext, never a lead's email or name. Search attributes are not payloads and stay readable; they
 * hold ids and statuses only. The Web UI decodes through the API's codec endpoint (src/api/codec.ts).
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array | null | undefined) => (b ? new TextDecoder().decode(b) : undefined);

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keyring: Keyring) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const { keyId, sealed } = this.keyring.seal(temporal.api.common.v1.Payload.encode(p).finish());
      return { metadata: { [METADATA_ENCODING_KEY]: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text(keyId) }, data: sealed };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      // Payloads written before encryption was configured pass through.
      if (read(p.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return p;
      const keyId = read(p.metadata?.[KEY_ID_METADATA]) ?? '';
      return temporal.api.common.v1.Payload.decode(this.keyring.open(keyId, p.data ?? new Uint8Array()));
    });
  }
}

/** The data converter every Routeswit client and worker uses: encrypting when ENCRYPTION_KEYS is set. */
export function routeswitDataConverter(encryptionKeys: string | undefined): DataConverter | undefined {
  return encryptionKeys ? { payloadCodecs: [new EncryptionCodec(parseKeyring(encryptionKeys))] } : undefined;
}
