/**
 * The shape of a route in the route table: an operation name (the permission check), a schema from the contract
 * (validation, serialization, OpenAPI) and a handler typed from that schema.
 */
import type { Static, TSchema } from 'typebox';
import type { Operation } from '../auth/permissions.rules.ts';
import type { Principal } from '../auth/principal.ts';
import type { LimitedAction } from '../config.ts';
import type { AppDeps } from './app-deps.ts';

export interface RouteSchema {
  body?: TSchema;
  params?: TSchema;
  querystring?: TSchema;
  response: Record<number, TSchema>;
}

type In<S extends RouteSchema, K extends 'body' | 'params' | 'querystring'> = S[K] extends TSchema
  ? Static<S[K]>
  : undefined;

export interface RouteRequest<S extends RouteSchema> {
  principal: Principal;
  body: In<S, 'body'>;
  params: In<S, 'params'>;
  query: In<S, 'querystring'>;
}

export interface RouteDef<S extends RouteSchema = RouteSchema> {
  operation: Operation;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  summary: string;
  /** Per-route body limit in bytes; bulk routes use the configured bulk limit. */
  bodyLimit?: number;
  bulk?: boolean;
  /** The budget a call of this route counts against, per client network and per site (docs/rate-limits.md). */
  rateLimit?: LimitedAction;
  schema: S;
  handler: (deps: AppDeps, req: RouteRequest<S>) => Promise<unknown>;
}

/** Declares a route, inferring request types from its schema. */
export function route<S extends RouteSchema>(def: RouteDef<S>): RouteDef {
  return def as unknown as RouteDef;
}
