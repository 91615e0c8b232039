/**
 * What a token says about each of its private and secret key objects: could anything read or export it, and
 * with which mechanisms may it be used?
 */
import pkcs11js from 'pkcs11js';
import {
  allowedMechanisms,
  attribute,
  booleanAttribute,
  findObjects,
  textAttribute,
  ulongAttribute,
} from './pkcs11-attributes.js';
import { returnValueOf, type Pkcs11Token } from './pkcs11-token.js';

export interface KeyObjectAudit {
  label: string;
  objectClass: 'private' | 'secret';
  extractable: boolean;
  sensitive: boolean;
  neverExtractable: boolean;
  alwaysSensitive: boolean;
  /**
   * Reading the key's secret part was refused, and with which return value: CKA_VALUE of a secret or EC private
   * key, CKA_PRIVATE_EXPONENT of an RSA one.
   */
  secretReadRefused: boolean;
  secretReadReturnValue?: string;
  /** CKA_ALLOWED_MECHANISMS by name (CKM_...); empty when the key may be used with any mechanism. */
  allowedMechanisms: string[];
}

// pkcs11js's CKM_ constants by value, to name a key's allowed mechanisms (the first name of a value with two).
const mechanismNames = new Map<number, string>();
for (const [name, value] of Object.entries(pkcs11js)) {
  if (name.startsWith('CKM_') && typeof value === 'number' && !mechanismNames.has(value))
    mechanismNames.set(value, name);
}

const audited = [
  { objectClass: 'secret', pkcs11Class: pkcs11js.CKO_SECRET_KEY },
  { objectClass: 'private', pkcs11Class: pkcs11js.CKO_PRIVATE_KEY },
] as const;

/** Every private and secret key object the user sees, the engine's or not. */
export function keyObjectAudit(token: Pkcs11Token): Promise<KeyObjectAudit[]> {
  const { pkcs11 } = token;
  return token.withSession('the key object audit', (session) =>
    audited
      .flatMap(({ objectClass, pkcs11Class }) =>
        findObjects(pkcs11, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11Class }]).map((object) => {
          const flag = (type: number): boolean => booleanAttribute(pkcs11, session, object, type);
          const rsa = ulongAttribute(pkcs11, session, object, pkcs11js.CKA_KEY_TYPE) === pkcs11js.CKK_RSA;
          const secretPart = rsa ? pkcs11js.CKA_PRIVATE_EXPONENT : pkcs11js.CKA_VALUE;
          let secretReadReturnValue: string | undefined;
          let secretReadRefused = false;
          try {
            // Asked only to learn whether the token answers: whatever came back is wiped at once.
            attribute(pkcs11, session, object, secretPart).fill(0);
          } catch (error) {
            secretReadRefused = true;
            secretReadReturnValue = returnValueOf(error);
          }
          return {
            label: textAttribute(pkcs11, session, object, pkcs11js.CKA_LABEL),
            objectClass,
            extractable: flag(pkcs11js.CKA_EXTRACTABLE),
            sensitive: flag(pkcs11js.CKA_SENSITIVE),
            neverExtractable: flag(pkcs11js.CKA_NEVER_EXTRACTABLE),
            alwaysSensitive: flag(pkcs11js.CKA_ALWAYS_SENSITIVE),
            secretReadRefused,
            ...(secretReadReturnValue && { secretReadReturnValue }),
            allowedMechanisms: allowedMechanisms(pkcs11, session, object).map(
              (mechanism) => mechanismNames.get(mechanism) ?? `0x${mechanism.toString(16)}`,
            ),
          };
        }),
      )
      .sort((a, b) => a.label.localeCompare(b.label)),
  );
}

/** The audit's verdict on one object: what is wrong with it, if anything. */
export function auditProblems(entry: KeyObjectAudit): string[] {
  return [
    ...(entry.extractable ? ['extractable'] : []),
    ...(entry.sensitive ? [] : ['not sensitive']),
    ...(entry.neverExtractable ? [] : ['was extractable once']),
    ...(entry.alwaysSensitive ? [] : ['was not always sensitive']),
    ...(entry.secretReadRefused ? [] : ['its secret part was read']),
    ...(entry.allowedMechanisms.length > 0 ? [] : ['any mechanism allowed']),
  ];
}
