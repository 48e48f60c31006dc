/**
 * The bare-Fastify ceiling: the same framework answering a fixed JSON body of a review's size, with a response
 * schema, no auth and no database. Started as a child process by bench/run.ts.
 */
import Fastify from 'fastify';

const body = {
  review: {
    id: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11',
    namespace: 'stores',
    entityId: 'p-1',
    content: { media: [], rating: 5, title: 'Great product', body: 'Does what it says. '.repeat(10) },
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

const app = Fastify({ logger: false });
app.get('/ceiling', async () => body);
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`LISTENING ${address}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
