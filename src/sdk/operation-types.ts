/**
 * The parts of a catalogue operation's request, as the SDK's thin wrappers take them: read from the catalogue's
 * `OperationTypes`, never declared again here, so a changed schema changes the wrapper's signature.
 */
import type { OperationTypes } from '../contract/operations/call.ts';
import type { OperationName } from '../contract/operations/names.ts';

/** The JSON body of operation `K`. */
export type BodyOf<K extends OperationName> = OperationTypes[K]['body'];

/** The query string of operation `K`: every value text, as in a URL. */
export type QueryOf<K extends OperationName> = OperationTypes[K]['query'];

/**
 * The query of operation `K` as options, with the numeric fields `N` (page sizes, waits) taken as numbers: the
 * URL carries them as text, a caller thinks of them as numbers.
 */
export type OptionsOf<K extends OperationName, N extends keyof QueryOf<K>> = Omit<QueryOf<K>, N> & {
  [P in N]?: number;
};

/** A number option as the query string carries it. */
export const text = (n: number | undefined): string | undefined => (n === undefined ? undefined : String(n));
