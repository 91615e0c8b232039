/**
 * The operator API's search (viewer): tokens and enrollments by customer, card, token requestor, status and
 * network, a page at a time; and the cards of one card number, sent in a body (never in a URL) and found by
 * the vault's keyed fingerprints, so that the number is neither stored nor logged, nor shown back (cards
 * appear as BIN and last four). Tokens come from the inventory. Enrollments come from the enrollments table
 * (whose they are) and the cards their pushes named, joined with Temporal's visibility for their live status,
 * token requestor and network: those are the workflow's search attributes, kept up to date by the workflow
 * itself, while customer and card are not in visibility (and card data must never be). Every search is in
 * the audit trail with its filters; a number search with the card refs it found, not the number.
 */
import type { Client } from '@temporalio/client';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import { queryInteger } from './query-integer.js';
import type { MacKey } from '../activities/keys/key-handles.js';
import { cardsWithNumber } from '../activities/vault/card-fingerprints.js';
import { recordAudit } from '../db/operator-audit.js';
import { searchEnrollments, searchTokens, type EnrollmentRecord, type TokenFilters } from '../db/operator-search.js';
import { luhnValid, routeCard } from '../domain/card-number.js';
import { cardNetworks, enrollmentStatuses, type EnrollmentStatus } from '../domain/enrollment.js';
import { CardNetworkKey, EnrollmentStatusKey, TokenRequestorIdKey } from '../domain/search-attributes.js';
import { freeText } from './free-text.js';
import { allowed, type OperatorScope } from './operator-auth.js';
import { problemResponses, sendProblem } from './problem.js';

export interface OperatorSearchDeps {
  pool: Pool;
  temporal: Client;
  fingerprintKeys: readonly MacKey[];
}

const problems = problemResponses(400, 401, 403, 422, 429, 500, 503);
const tokenStatuses = ['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED'] as const;
/** Every query field is checked for a card number first: one there is refused (422), never echoed. */
const text = <S extends z.ZodType<string, string>>(schema: S) => freeText(z.string()).pipe(schema);

const Filters = z.strictObject({
  customerId: text(z.string().regex(/^[A-Za-z0-9._@:-]{1,128}$/, 'must be a customer id')).optional(),
  cardRef: text(z.uuid({ message: 'must be a card ref' })).optional(),
  tokenRequestorId: text(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a token requestor id')).optional(),
  network: z.enum(cardNetworks).optional(),
  limit: queryInteger({ min: 1, max: 200, default: 50 }),
  cursor: text(z.string().regex(/^[A-Za-z0-9_-]{1,400}$/, 'must be a cursor this API returned')).optional(),
});
const TokenQuery = Filters.extend({ status: z.enum(tokenStatuses).optional() });
const EnrollmentQuery = Filters.extend({ status: z.enum(enrollmentStatuses).optional() });

const MaskedCard = z.object({ cardRef: z.string(), maskedPan: z.string() });
const TokenView = z.object({
  network: z.string(),
  tokenUniqueReference: z.string(),
  customerId: z.string(),
  tokenRequestorId: z.string(),
  status: z.string(),
  statusTimestamp: z.string(),
  enrollmentId: z.string().optional(),
  card: MaskedCard,
});
const EnrollmentView = z.object({
  enrollmentId: z.string(),
  customerId: z.string(),
  createdAt: z.string(),
  status: z.string().optional(),
  tokenRequestorId: z.string().optional(),
  network: z.string().optional(),
  cards: z.array(MaskedCard),
});
const TokenPage = z.object({ tokens: z.array(TokenView), nextCursor: z.string().optional() });
const EnrollmentPage = z.object({ enrollments: z.array(EnrollmentView), nextCursor: z.string().optional() });
const CardNumberSearch = z.strictObject({
  cardNumber: z
    .string()
    .regex(/^\d{12,19}$/, 'must be 12 to 19 digits')
    .refine(luhnValid, 'is not a valid card number'),
});
const CardNumberResult = z.object({
  cards: z.array(MaskedCard.extend({ customerId: z.string(), network: z.string() })),
  tokens: z.array(TokenView),
  enrollments: z.array(EnrollmentView),
});

type Filters = z.infer<typeof Filters>;

export function registerOperatorSearchRoutes(api: OperatorScope, deps: OperatorSearchDeps): void {
  api.get(
    '/tokens',
    {
      schema: {
        summary: 'Search the token inventory by customer, card, token requestor, status and network: viewer',
        tags: ['operators'],
        querystring: TokenQuery,
        response: { 200: TokenPage, ...problems },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'viewer')) return reply;
      const { limit, cursor, ...filters } = request.query;
      const after = cursor === undefined ? undefined : readCursor(cursor, TokenCursor);
      if (after === null) return badCursor(reply);
      const found = await searchTokens(deps.pool, tokenFilters(filters), { limit, ...(after && { after }) });
      const tokens = found.slice(0, limit);
      const last = tokens.at(-1);
      await audit(deps, request.operator, 'search.tokens', 'tokens', { ...filters, limit, results: tokens.length });
      return {
        tokens: tokens.map(tokenView),
        ...(found.length > limit &&
          last && {
            nextCursor: writeCursor({ network: last.network, tokenUniqueReference: last.tokenUniqueReference }),
          }),
      };
    },
  );

  api.get(
    '/enrollments',
    {
      schema: {
        summary: 'Search the enrollments by customer, card, token requestor, status and network: viewer',
        description: 'A page may hold fewer than `limit` enrollments while `nextCursor` says more follow.',
        tags: ['operators'],
        querystring: EnrollmentQuery,
        response: { 200: EnrollmentPage, ...problems },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'viewer')) return reply;
      const { limit, cursor, cardRef, ...filters } = request.query;
      const after = cursor === undefined ? undefined : readCursor(cursor, EnrollmentCursor);
      if (after === null) return badCursor(reply);
      const { enrollments, next } = await enrollmentPage(deps.temporal, {
        scan: (page) =>
          searchEnrollments(
            deps.pool,
            { ...(filters.customerId && { customerId: filters.customerId }), ...(cardRef && { cardRefs: [cardRef] }) },
            page,
          ),
        filters,
        limit,
        ...(after && { after }),
      });
      await audit(deps, request.operator, 'search.enrollments', 'enrollments', {
        ...filters,
        ...(cardRef && { cardRef }),
        limit,
        results: enrollments.length,
      });
      return { enrollments, ...(next && { nextCursor: writeCursor(next) }) };
    },
  );

  api.post(
    '/card-searches',
    {
      schema: {
        summary: 'The cards of a card number (sent in the body, never kept), with their tokens and enrollments: viewer',
        tags: ['operators'],
        body: CardNumberSearch,
        response: { 200: CardNumberResult, ...problems, ...problemResponses(413, 415) },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'viewer')) return reply;
      const route = routeCard(request.body.cardNumber);
      if (!route) return sendProblem(reply, 422, 'Card not served', 'cardNumber: no card network this engine serves');
      const cards = await cardsWithNumber(deps.pool, deps.fingerprintKeys, route.network, request.body.cardNumber);
      const cardRefs = cards.map((card) => card.cardRef);
      const [tokens, { enrollments }] =
        cardRefs.length === 0
          ? [[], { enrollments: [] }]
          : await Promise.all([
              searchTokens(deps.pool, { cardRefs }, { limit: 200 }),
              enrollmentPage(deps.temporal, {
                scan: (page) => searchEnrollments(deps.pool, { cardRefs }, page),
                filters: {},
                limit: 200,
              }),
            ]);
      // The number is not written anywhere: the audit names the network and the cards it found.
      await audit(deps, request.operator, 'search.card-number', 'cards', { network: route.network, cardRefs });
      return {
        cards: cards.map((card) => ({
          cardRef: card.cardRef,
          customerId: card.customerId,
          maskedPan: card.maskedPan,
          network: card.network,
        })),
        tokens: tokens.slice(0, 200).map(tokenView),
        enrollments,
      };
    },
  );
}

const tokenFilters = (filters: Omit<z.infer<typeof TokenQuery>, 'limit' | 'cursor'>): TokenFilters => ({
  ...(filters.customerId && { customerId: filters.customerId }),
  ...(filters.cardRef && { cardRefs: [filters.cardRef] }),
  ...(filters.tokenRequestorId && { tokenRequestorId: filters.tokenRequestorId }),
  ...(filters.status && { status: filters.status }),
  ...(filters.network && { network: filters.network }),
});

const tokenView = (token: Awaited<ReturnType<typeof searchTokens>>[number]): z.infer<typeof TokenView> => ({
  ...token,
  statusTimestamp: token.statusTimestamp.toISOString(),
});

async function audit(
  deps: OperatorSearchDeps,
  operator: { id: string; role: string },
  action: string,
  target: string,
  details: Record<string, unknown>,
): Promise<void> {
  await recordAudit(deps.pool, { operatorId: operator.id, role: operator.role, action, target, details });
}

// The cursor is opaque to callers: where the page ended, as base64url JSON, read back by its schema.
const TokenCursor = z.strictObject({ network: z.string().max(32), tokenUniqueReference: z.string().max(64) });
// The key is an enrollment's created_at as PostgreSQL writes it: anything else is no cursor of ours (400, not 500).
const EnrollmentCursor = z.strictObject({
  key: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/)
    // A date that exists (PostgreSQL refuses 2026-13-45 with an error, not a row): read as ISO 8601.
    .refine((key) => !Number.isNaN(Date.parse(key.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')))),
  enrollmentId: z.string().max(64),
});

const writeCursor = (position: object): string => Buffer.from(JSON.stringify(position)).toString('base64url');

/** The cursor's position, or null when it is not one this API wrote. */
function readCursor<S extends z.ZodType>(cursor: string, schema: S): z.infer<S> | null {
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const badCursor = (reply: FastifyReply) =>
  sendProblem(reply, 400, 'Invalid querystring', 'cursor: must be a cursor this API returned');

interface EnrollmentVisibility {
  status?: EnrollmentStatus;
  tokenRequestorId?: string;
  network?: string;
}

/** Up to this many scans of `limit` enrollments fill one page when visibility's filters leave few. */
const scansPerPage = 5;

/**
 * A page of enrollments: scanned from PostgreSQL (customer, card) newest first, each joined with its
 * workflow's search attributes and kept when they match the visibility filters (status, token requestor,
 * network). `next` is where the scan stopped, while more rows follow: a scan that came back short is the
 * end only once each of its rows was looked at (the page may fill before).
 */
export async function enrollmentPage(
  temporal: Client,
  request: {
    scan: (page: { limit: number; after?: { key: string; enrollmentId: string } }) => Promise<EnrollmentRecord[]>;
    filters: Pick<Filters, 'tokenRequestorId' | 'network'> & { status?: EnrollmentStatus };
    limit: number;
    after?: { key: string; enrollmentId: string };
  },
): Promise<{ enrollments: z.infer<typeof EnrollmentView>[]; next?: { key: string; enrollmentId: string } }> {
  const enrollments: z.infer<typeof EnrollmentView>[] = [];
  let after = request.after;
  for (let scan = 0; scan < scansPerPage && enrollments.length < request.limit; scan += 1) {
    const rows = await request.scan({ limit: request.limit, ...(after && { after }) });
    const seen = await visibilityOf(
      temporal,
      rows.map((row) => row.enrollmentId),
      request.filters,
    );
    let looked = 0;
    for (const row of rows) {
      if (enrollments.length === request.limit) break;
      looked += 1;
      after = { key: row.key, enrollmentId: row.enrollmentId };
      const visible = seen.get(row.enrollmentId);
      if (!visible && !seen.unfiltered) continue;
      const { key: _key, createdAt, ...record } = row;
      enrollments.push({ ...record, createdAt: createdAt.toISOString(), ...visible });
    }
    if (rows.length < request.limit && looked === rows.length) return { enrollments };
  }
  return { enrollments, ...(after && { next: after }) };
}

/** The enrollments' search attributes, only those matching the filters; `unfiltered` when none was given. */
async function visibilityOf(
  temporal: Client,
  enrollmentIds: string[],
  filters: { status?: string; tokenRequestorId?: string; network?: string },
): Promise<Map<string, EnrollmentVisibility> & { unfiltered: boolean }> {
  const seen = Object.assign(new Map<string, EnrollmentVisibility>(), {
    unfiltered: !filters.status && !filters.tokenRequestorId && !filters.network,
  });
  // Every value quoted here has a safe shape: ids of these characters only, enums, a token requestor id's.
  const ids = enrollmentIds.filter((id) => /^[A-Za-z0-9_-]{1,128}$/.test(id));
  if (ids.length === 0) return seen;
  const query = [
    `WorkflowId IN (${ids.map((id) => `'${id}'`).join(', ')})`,
    ...(filters.status ? [`${EnrollmentStatusKey.name} = '${filters.status}'`] : []),
    ...(filters.tokenRequestorId ? [`${TokenRequestorIdKey.name} = '${filters.tokenRequestorId}'`] : []),
    ...(filters.network ? [`${CardNetworkKey.name} = '${filters.network}'`] : []),
  ].join(' AND ');
  for await (const workflow of temporal.workflow.list({ query })) {
    const attributes = workflow.typedSearchAttributes;
    const status = attributes.get(EnrollmentStatusKey) as EnrollmentStatus | undefined;
    const tokenRequestorId = attributes.get(TokenRequestorIdKey);
    const network = attributes.get(CardNetworkKey);
    seen.set(workflow.workflowId, {
      ...(status && { status }),
      ...(tokenRequestorId && { tokenRequestorId }),
      ...(network && { network }),
    });
  }
  return seen;
}
