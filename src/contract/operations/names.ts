/**
 * The name of an operation: its OpenAPI operationId, its permission-matrix row, its SDK call. Derived from the route
 * table alone, so the typed client (call.ts) can name operations without loading the catalogue's schemas.
 */
import type * as ROUTES from './routes.ts';

export type OperationName = keyof typeof ROUTES;
