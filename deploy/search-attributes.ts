/** Registers the project's custom search attributes with a Temporal namespace, idempotently. */
import { status as grpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError, type Connection } from '@temporalio/client';
import type { SearchAttributePair, SearchAttributeType } from '@temporalio/common';
import proto from '@temporalio/proto';

const { IndexedValueType } = proto.temporal.api.enums.v1;
type IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

const indexedValueTypes: Record<SearchAttributeType, IndexedValueType> = {
  TEXT: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export class SearchAttributeConflictError extends Error {
  override name = 'SearchAttributeConflictError';
}

/**
 * Adds the attributes the namespace lacks and returns their names; refuses to go on when one exists with
 * another type. A server that cannot list them (the time-skipping test server) gets each one added, and
 * "already exists" counts as present.
 */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
  keys: readonly SearchAttributePair['key'][],
): Promise<string[]> {
  const existing = await listCustomSearchAttributes(connection, namespace);
  const added: string[] = [];
  for (const key of keys) {
    const wanted = indexedValueTypes[key.type];
    const current = existing?.[key.name];
    if (current !== undefined && current !== wanted) {
      throw new SearchAttributeConflictError(
        `Search attribute ${key.name} exists in namespace ${namespace} as ${IndexedValueType[current]}, expected ${IndexedValueType[wanted]}`,
      );
    }
    if (current !== undefined) continue;
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { [key.name]: wanted } });
      added.push(key.name);
    } catch (error) {
      if (!(existing === undefined && isGrpcServiceError(error) && error.code === grpcStatus.ALREADY_EXISTS))
        throw error;
    }
  }
  return added;
}

async function listCustomSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<Record<string, IndexedValueType> | undefined> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return customAttributes ?? {};
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === grpcStatus.UNIMPLEMENTED) return undefined;
    throw error;
  }
}
