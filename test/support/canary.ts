/**
 * A card-number canary: a fresh Luhn-valid number to send through every field a caller controls, the
 * hostile requests that carry it (derived from the API's own OpenAPI document, so a new route is swept
 * without a new test), and the search for it in whatever the stack wrote, however it was encoded.
 */
import { randomInt } from 'node:crypto';
import { luhnValid } from '../../domain/card-number.js';

/** A Luhn-valid 16-digit number with the given prefix that no fixture uses. */
export function cardNumberCanary(prefix: string): string {
  for (;;) {
    let candidate = prefix;
    while (candidate.length < 15) candidate += String(randomInt(10));
    for (let check = 0; check < 10; check += 1) {
      if (luhnValid(`${candidate}${check}`)) return `${candidate}${check}`;
    }
  }
}

/**
 * The ways the same number travels: plain, grouped, hyphenated, percent-encoded, then odder ones: with
 * its security code, underscores, fullwidth digits, glued to a word.
 */
export function canaryEncodings(canary: string): string[] {
  const groups = canary.match(/.{1,4}/g)!;
  return [
    canary,
    groups.join(' '),
    groups.join('-'),
    [...canary].map((digit) => `%3${digit}`).join(''),
    `${canary}123`,
    groups.join('_'),
    [...canary].map((digit) => String.fromCharCode(0xff10 + Number(digit))).join(''),
    `ab${groups.join('.')}x`,
  ];
}

/**
 * Whether a text holds the canary: its digits in a row or split by single separators, read also
 * percent-decoded and NFKC-normalised (fullwidth digits as ASCII).
 */
export function holdsCanary(text: string, canary: string): boolean {
  const pattern = new RegExp([...canary].join('[\\s\\-._/+,:]?'));
  return [text, percentDecoded(text)].some((form) => pattern.test(form) || pattern.test(form.normalize('NFKC')));
}

function percentDecoded(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface OpenApiOperation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
}

/** A value of the schema's shape with the canary in every string (each option of a union, in turn). */
function filled(schema: JsonSchema | undefined, canary: string, option = 0): unknown {
  if (!schema) return canary;
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return filled(options[option % options.length], canary, option);
  const type = Array.isArray(schema.type) ? schema.type.find((candidate) => candidate !== 'null') : schema.type;
  if (type === 'object' || schema.properties) {
    return Object.fromEntries(
      Object.entries(schema.properties ?? {}).map(([name, property]) => [name, filled(property, canary, option)]),
    );
  }
  if (type === 'array') return [filled(schema.items, canary, option)];
  if (type === 'integer' || type === 'number') return Number(canary.slice(0, 15));
  if (type === 'boolean') return true;
  return canary;
}

/**
 * For every operation of the document: the canary in each path parameter, each query parameter and an
 * unknown one, every header a client may set, the Authorization header, and the body (every string field,
 * an unknown key, a body that is not JSON, a media type). `authorization` is a valid caller's header, so
 * that the canary also reaches what lies behind authentication.
 */
export function hostileRequests(
  document: { paths: Record<string, Record<string, OpenApiOperation>> },
  canary: string,
  authorization: string,
): HostileRequest[] {
  const requests: HostileRequest[] = [];
  const encodings = canaryEncodings(canary);
  const [plain, grouped, hyphenated, encoded] = encodings as [string, string, string, string];
  const odd = encodings.slice(4);
  // A header carries Latin-1 only: the fullwidth form travels in paths and bodies.
  const oddInHeaders = odd.filter((encoding) => /^[\x20-\x7e]*$/.test(encoding));
  const callerHeaders = (variant: number): Record<string, string> => ({
    'x-request-id': [plain, `req-${plain}`, hyphenated, ...oddInHeaders][variant % (3 + oddInHeaders.length)]!,
    'idempotency-key': [plain, grouped, hyphenated, ...oddInHeaders][variant % (3 + oddInHeaders.length)]!,
    'user-agent': `agent/${plain}`,
    referer: `https://issuer.example/${plain}`,
    'x-forwarded-for': plain,
    'accept-language': plain,
    cookie: `session=${plain}`,
    [`x-${plain}`]: plain,
  });
  let variant = 0;
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      variant += 1;
      const queryNames = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
      const query = new URLSearchParams([
        ...queryNames.map((parameter): [string, string] => [parameter.name, plain]),
        [plain, grouped],
      ]);
      const pathWith = (value: string): string => template.replace(/\{[^}]+\}/g, value);
      const paths = template.includes('{')
        ? [
            pathWith(plain),
            pathWith(`x${plain}`),
            pathWith(encoded),
            pathWith(encodeURIComponent(odd[variant % odd.length]!)),
            pathWith(`${plain}%`), // not percent-encoding
            pathWith(`${plain}${'a'.repeat(120)}`), // over the router's parameter length
          ]
        : [template, `${template}/${plain}`, `${template}/${encodeURIComponent(odd[variant % odd.length]!)}`];
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      const bodies: (string | undefined)[] = schema
        ? [
            JSON.stringify(filled(schema, plain, 0)),
            JSON.stringify(filled(schema, grouped, 1)),
            JSON.stringify(filled(schema, odd[variant % odd.length]!, 0)),
            JSON.stringify({ [plain]: plain }),
            `{"not json": ${plain}`,
          ]
        : [undefined];
      for (const path of paths) {
        for (const body of bodies) {
          for (const auth of [authorization, `Bearer ${plain}`, `Bearer x.${plain}.y`]) {
            requests.push({
              method: method.toUpperCase(),
              path: `${path}?${query.toString()}`,
              headers: {
                ...callerHeaders(variant),
                authorization: auth,
                ...(body !== undefined && { 'content-type': 'application/json' }),
              },
              ...(body !== undefined && { body }),
            });
          }
        }
      }
      if (schema) {
        requests.push({
          method: method.toUpperCase(),
          path: pathWith(plain),
          headers: { authorization, 'content-type': `application/x-${plain}` },
          body: plain,
        });
      }
    }
  }
  return requests;
}
