/**
 * The typed client of the catalogue: `call(operation, input)` builds the request of any operation from its row of
 * `routes.ts` and types its input and answer from the catalogue's schemas. Only types come from the schemas
 * (`import type`), so a browser bundle that uses this carries the route rows it calls and a few lines, never
 * TypeBox. Sending (credentials, errors, retries) is the caller's `send`.
 */
import type { Static, TSchema } from 'typebox';
import type { Catalogue } from './index.ts';
import type { OperationName } from './names.ts';
import { type Method, type OperationRoute, requestPath } from './paths.ts';

type Part<K extends OperationName, F extends 'params' | 'query' | 'body'> = Catalogue[K] extends {
  readonly [P in F]: infer S extends TSchema;
}
  ? Static<S>
  : never;

/**
 * Every operation's request parts and 200 body, resolved from the catalogue's schemas into one concrete type. The
 * generic types below read only this map, so the SDK's published declarations write it out once and need no schema
 * library (scripts/build-sdk.mjs).
 */
export type OperationTypes = {
  [K in OperationName]: {
    params: Part<K, 'params'>;
    query: Part<K, 'query'>;
    body: Part<K, 'body'>;
    response: Static<Catalogue[K]['response']>;
  };
};

/** `{ name: T }`, optional when every field of T is optional, absent when the operation has no such part. */
type Field<F extends string, T> = [T] extends [never] ? unknown : object extends T ? { [P in F]?: T } : { [P in F]: T };

/**
 * What a call of `K` takes: `params` (path parameters), `query` (query string, all values strings) and `body`,
 * each present only when the operation has it, and optional when nothing in it is required.
 */
export type CallInput<K extends OperationName> = Field<'params', OperationTypes[K]['params']> &
  Field<'query', OperationTypes[K]['query']> &
  Field<'body', OperationTypes[K]['body']>;

/** What a call of `K` answers with on success: its 200 body, as the catalogue's response schema types it. */
export type CallOutput<K extends OperationName> = OperationTypes[K]['response'];

/** The input argument of a call: optional when the operation needs nothing. */
export type CallArgs<K extends OperationName> =
  object extends CallInput<K> ? [input?: CallInput<K>] : [input: CallInput<K>];

/** One request as `call` hands it to `send`: the operation, its method, the path with its query string, the body. */
export interface CallRequest {
  operation: OperationName;
  method: Method;
  /** Percent-encoded path and query string, relative to the server's base URL. */
  path: string;
  body?: unknown;
}

/** Sends a request and resolves with the parsed 200 body; rejects (with the caller's error type) otherwise. */
export type Send = (request: CallRequest) => Promise<unknown>;

/** A `call` restricted to the operations `K` its route table holds. */
export type Call<K extends OperationName> = <N extends K>(
  operation: N,
  ...input: CallArgs<N>
) => Promise<CallOutput<N>>;

/** The untyped shape of every call's input (query values are strings, as in a URL). */
interface RawInput {
  params?: Readonly<Record<string, string>>;
  query?: Readonly<Record<string, string | undefined>>;
  body?: unknown;
}

/**
 * A `call` over the route rows in `routes` (the whole table of `routes.ts` as a namespace import, or pass the
 * few a bundle needs). The answer is typed from the catalogue and trusted as such: the server validates what it
 * sends against the same schema.
 */
export function createCall<K extends OperationName>(
  routes: { readonly [N in K]: OperationRoute },
  send: Send,
): Call<K> {
  function call<N extends K>(operation: N, ...input: CallArgs<N>): Promise<CallOutput<N>>;
  function call(operation: K, given?: unknown): Promise<unknown> {
    // The overload above types the input from the catalogue; every such input has this shape.
    const input = given as RawInput | undefined;
    const route = routes[operation];
    const request: CallRequest = {
      operation,
      method: route.method,
      path: requestPath(route, input?.params, input?.query),
    };
    if (input?.body !== undefined) request.body = input.body;
    return send(request);
  }
  return call;
}
