/**
 * Who operates: a bearer JWT from the issuer's identity provider for the operator API's own audience, its
 * `sub` the operator's id and its `roles` claim what the operator may do. Roles rank: a viewer reads
 * (searches enrollments and tokens, operations, reconciliations), an agent also acts on tokens (suspend,
 * resume, delete), an admin also reads the audit trail and starts a reconciliation. A consumer's token
 * (another audience) is not an operator's.
 */
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CallerNotAuthenticated, type CallerAuthenticator } from './caller-auth.js';
import { sendProblem } from './problem.js';

export const operatorRoles = ['viewer', 'agent', 'admin'] as const;
export type OperatorRole = (typeof operatorRoles)[number];

export interface Operator {
  id: string;
  /** The highest role the token grants. */
  role: OperatorRole;
}

export class OperatorAuthenticator {
  /** `tokens` verifies the operator API's audience (a CallerAuthenticator configured for it). */
  constructor(private readonly tokens: CallerAuthenticator) {}

  async operatorOf(authorization: string | undefined): Promise<Operator> {
    const claims = await this.tokens.claimsOf(authorization, 'operator');
    const granted = Array.isArray(claims.roles) ? claims.roles : [];
    const role = operatorRoles.findLast((known) => granted.includes(known));
    if (!role) throw new CallerNotAuthenticated(`The token grants no operator role (${operatorRoles.join(', ')})`);
    return { id: claims.sub, role };
  }
}

/** Whether the operator's role is this one or above it. */
export const holdsRole = (operator: Operator, needed: OperatorRole): boolean =>
  operatorRoles.indexOf(operator.role) >= operatorRoles.indexOf(needed);

/** Whether the request's operator holds the role; if not, the 403 naming it is sent. */
export function allowed(request: FastifyRequest, reply: FastifyReply, role: OperatorRole): boolean {
  if (holdsRole(request.operator, role)) return true;
  void sendProblem(reply, 403, 'Forbidden', `This needs the ${role} role; the token grants ${request.operator.role}`);
  return false;
}

/** The /operator/v1 scope (operators authenticated), typed by its routes' Zod schemas. */
export type OperatorScope = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
