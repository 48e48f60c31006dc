/**
 * The reconciliation report of an import (src/server/imports/import.service.ts), kept apart from the other import
 * shapes because a job's status carries it (review.ts, `Job.result`) and must not import them back.
 */
import { type Static, Type } from 'typebox';

const ImportViolation = Type.Object({
  field: Type.String(),
  description: Type.String(),
  violatedRule: Type.Optional(Type.String()),
});
const ImportRowError = Type.Object({
  line: Type.Integer({ description: 'The line the row starts on (1-based; a CSV header is line 1).' }),
  sourceId: Type.Optional(Type.String()),
  violations: Type.Array(ImportViolation),
});
const Tally = Type.Object({ count: Type.Integer(), average: Type.Number() });

export const ImportReport = Type.Object(
  {
    dryRun: Type.Boolean(),
    rowsRead: Type.Integer(),
    created: Type.Integer(),
    skipped: Type.Integer({ description: 'Rows whose review was already in Verdict (an earlier run of the file).' }),
    failed: Type.Integer(),
    errors: Type.Array(ImportRowError, { description: 'The first row errors; `failed` counts every one.' }),
    entities: Type.Integer({ description: 'Entities in the file.' }),
    matching: Type.Integer({ description: "Entities whose published count and average agree with Verdict's summary." }),
    mismatches: Type.Array(
      Type.Object({ namespace: Type.String(), entityId: Type.String(), file: Tally, verdict: Tally }),
      { description: 'Entities that disagree (at most 100).' },
    ),
    indexesRebuilt: Type.Boolean(),
  },
  { description: 'The reconciliation report of an import.' },
);
export type ImportReport = Static<typeof ImportReport>;
