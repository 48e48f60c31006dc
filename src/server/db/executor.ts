/** What a repository runs its SQL on: the database itself, or the transaction of the write it is part of. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

export type Executor = Kysely<Database> | Transaction<Database>;
