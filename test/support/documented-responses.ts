/**
 * Holds every answer the typed client receives to the OpenAPI document it was generated from
 * (clients/api/openapi.json): its status declared for the operation (or its class, 4XX / 5XX), its media type
 * declared for that status, its body valid against the declared schema. An answer the document does not
 * describe fails the call that received it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import type { Middleware } from 'openapi-fetch';

const documentFile = fileURLToPath(new URL('../../clients/api/openapi.json', import.meta.url));

interface DocumentedResponse {
  content?: Record<string, { schema?: object }>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, DocumentedResponse> }>>;
}

export interface DocumentedResponses {
  /** For the client: `client.use(documented.middleware)`. */
  middleware: Middleware;
  /** The answers checked so far, as `METHOD /path/{param} status`. */
  checked: string[];
}

export function documentedResponses(): DocumentedResponses {
  const document = JSON.parse(readFileSync(documentFile, 'utf8')) as OpenApiDocument;
  // OpenAPI 3.0's schema keywords that JSON Schema lacks (nullable aside, which Ajv knows) are not checks.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validators = new Map<string, ValidateFunction>();
  const checked: string[] = [];

  const validatorFor = (key: string, schema: object): ValidateFunction => {
    let validate = validators.get(key);
    if (!validate) validators.set(key, (validate = ajv.compile(schema)));
    return validate;
  };

  return {
    checked,
    middleware: {
      async onResponse({ request, response, schemaPath }) {
        const method = request.method.toLowerCase();
        const status = String(response.status);
        const operation = `${request.method} ${schemaPath} ${status}`;
        const responses = document.paths[schemaPath]?.[method]?.responses;
        if (!responses) throw new Error(`${request.method} ${schemaPath} is not an operation of the document`);
        const declared = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
        if (!declared) {
          throw new Error(`${operation}: the document declares ${Object.keys(responses).join(', ')}, not ${status}`);
        }
        const text = await response.clone().text();
        if (text !== '') {
          const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
          const schema = declared.content?.[mediaType]?.schema;
          if (!schema) {
            const mediaTypes = Object.keys(declared.content ?? {});
            throw new Error(
              `${operation}: ${mediaType || 'a body'} where the document declares ${mediaTypes.join(', ') || 'none'}`,
            );
          }
          if (mediaType.endsWith('json')) {
            const validate = validatorFor(`${operation} ${mediaType}`, schema);
            if (!validate(JSON.parse(text))) {
              throw new Error(
                `${operation}: the body is not as the document declares it: ${ajv.errorsText(validate.errors)}`,
              );
            }
          }
        }
        checked.push(operation);
        return undefined;
      },
    },
  };
}
