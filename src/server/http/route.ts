/**
 * What the server supplies for each operation of the catalogue (`src/contract/operations`): a handler typed from
 * the operation's schemas. The catalogue says where and for whom an operation is served; the handler only
 * translates the validated request into one service call. `Handlers` has a key per operation name, so a missing or
 * misspelled handler is a type error.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { Catalogue, OperationName } from '../../contract/operations/index.ts';
import type { Principal } from '../auth/principal.ts';
import type { AppDeps } from './app-deps.ts';

type In<K extends OperationName, F extends 'params' | 'query' | 'body'> = Catalogue[K] extends {
  readonly [P in F]: infer S extends TSchema;
}
  ? Static<S>
  : undefined;

/** An operation's request after authentication and validation. */
export interface HandlerRequest<K extends OperationName> {
  /** The caller; null on public operations, which are not authenticated. */
  principal: Catalogue[K]['access'] extends { readonly public: true } ? null : Principal;
  params: In<K, 'params'>;
  query: In<K, 'query'>;
  body: In<K, 'body'>;
  /** The HTTP exchange, for the few operations that answer with more than a JSON body (caching, 304, text). */
  http: { request: FastifyRequest; reply: FastifyReply };
}

/**
 * Handles one operation: resolves with its 200 body (serialized with the catalogue's response schema), or with the
 * reply once it has sent the answer itself. Errors are thrown as `AppError`.
 */
export type Handler<K extends OperationName> = (
  deps: AppDeps,
  req: HandlerRequest<K>,
) => Promise<Static<Catalogue[K]['response']> | FastifyReply>;

/** A handler for each of the operations `K` (by default all of them). */
export type Handlers<K extends OperationName = OperationName> = { readonly [N in K]: Handler<N> };
