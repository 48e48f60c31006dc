/**
 * The bare-Fastify ceilings, started as a child process by bench/run.ts: the same framework and validator settings
 * as Verdict, with no auth, no database and no logging.
 *   GET  /ceiling — a fixed review of about 1 KB, serialized through Verdict's response schema.
 *   POST /ceiling — validates a body against Verdict's createReview request schema and echoes it back.
 * Verdict cannot beat these; the harness compares each HTTP scenario with the one of the same method.
 */
import Fastify from 'fastify';
import { CreateReviewRequest, ReviewResponse } from '../src/contract/index.ts';

const review = {
  review: {
    id: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11',
    namespace: 'stores',
    entityId: 'p-1',
    content: { media: [], rating: 5, title: 'Great product', body: 'Does what it says. '.repeat(24) },
    createdDate: '2026-01-01T00:00:00.000Z',
    updatedDate: '2026-01-01T00:00:00.000Z',
    author: { contactId: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a12', authorName: 'Ann' },
    foundHelpful: 0,
    foundUnhelpful: 0,
    helpfulness: 0,
    moderation: { moderationStatus: 'APPROVED', manuallyChanged: false },
    revision: '1',
    verified: false,
    origin: { type: 'APP' },
    reviewDate: '2026-01-01T00:00:00.000Z',
    relevanceScore: 0.1,
    publishCount: 1,
  },
};

// The Ajv options of src/server/http/build-server.ts, so validation costs what it costs in Verdict.
const app = Fastify({
  logger: false,
  ajv: { customOptions: { allErrors: true, coerceTypes: false, verbose: true, useDefaults: true } },
});
app.get('/ceiling', { schema: { response: { 200: ReviewResponse } } }, async () => review);
app.post(
  '/ceiling',
  { schema: { body: CreateReviewRequest, response: { 200: CreateReviewRequest } } },
  async (req) => req.body,
);
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`LISTENING ${address} ${JSON.stringify(review).length}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
