/**
 * The payload codec of every client and worker: each Temporal payload (inputs, results, signals,
 * updates, queries, memos, and failure messages through the failure converter) is AES-256-GCM encrypted
 * with the newest key of the payload key ring. The key id travels in the metadata and is bound as
 * additional data, so a payload whose key id was changed does not decode; old payloads decode with the
 * key that encrypted them.
 */
import { fileURLToPath } from 'node:url';
import { ApplicationFailure, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { DecryptionRefusedError, type EncryptionKeyRing } from '../keys/key-handles.js';
import { openBytes, sealBytes } from './sealed-bytes.js';

export const encryptedEncoding = 'binary/encrypted';
const encodingKey = 'encoding';
const keyIdKey = 'encryption-key-id';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const read = (value: Uint8Array | null | undefined): string => new TextDecoder().decode(value ?? new Uint8Array());
const additionalData = (kid: string): Buffer => Buffer.from(`pushprov-payload:${kid}`);

export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: EncryptionKeyRing) {}

  encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.current;
    return Promise.all(
      payloads.map(async (payload) => {
        const plaintext = Buffer.from(proto.temporal.api.common.v1.Payload.encode(payload).finish());
        return {
          metadata: { [encodingKey]: text(encryptedEncoding), [keyIdKey]: text(key.kid) },
          data: await sealBytes(key, additionalData(key.kid), plaintext),
        };
      }),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        if (read(payload.metadata?.[encodingKey]) !== encryptedEncoding) return payload;
        const kid = read(payload.metadata?.[keyIdKey]);
        const key = this.keys.key(kid);
        if (!key) {
          throw ApplicationFailure.nonRetryable(
            `Payload key ${kid || '(none)'} is not in the key ring`,
            'PayloadDecryptionError',
          );
        }
        const sealed = Buffer.from(payload.data ?? new Uint8Array());
        let plaintext: Buffer;
        try {
          plaintext = await openBytes(key, additionalData(kid), sealed);
        } catch (error) {
          // Only a refusal of the data is final; an HSM that did not answer may answer the next attempt.
          if (!(error instanceof DecryptionRefusedError)) throw error;
          throw ApplicationFailure.nonRetryable(
            `A payload encrypted with key ${kid} does not decrypt: it was altered`,
            'PayloadDecryptionError',
          );
        }
        return proto.temporal.api.common.v1.Payload.decode(plaintext);
      }),
    );
  }
}

/** The failure converter module (CommonJS, loaded by path by the SDK and bundled into workflows). */
export const failureConverterPath = fileURLToPath(new URL('../../domain/failure-converter.cjs', import.meta.url));

/** The data converter of every client and worker: payloads encrypted when a key ring is given. */
export function temporalDataConverter(keys?: EncryptionKeyRing): DataConverter {
  return { failureConverterPath, payloadCodecs: keys ? [new EncryptionCodec(keys)] : [] };
}
