import { describe, expect, it } from 'vitest';
import type { Review } from '../../contract/index.ts';
import { buildEvents, type EventSpec, eventJson } from './outbox.events.ts';
import { outboxRows } from './outbox.repo.ts';

/** Text JSON has to escape: quotes, backslashes, control characters, a lone surrogate, and some that it need not. */
const awkward = 'He said "fits\\well"\n\t\u0000\u001f\u007f é 日本 🧥👍🏽 \u2028\u2029 \ud800 </script>';

const review: Review = {
  id: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11',
  namespace: 'stores',
  entityId: 'p-"1"',
  content: {
    title: awkward,
    body: `${awkward}\r\n${awkward}`,
    media: [{ image: { url: 'https://x/y.png', altText: awkward } }],
    rating: 4,
  },
  createdDate: '2026-12-01T10:00:00.000Z',
  updatedDate: '2026-12-01T10:00:00.000Z',
  author: { contactId: 'c-1', authorName: `Zoë 😀 ${awkward}` },
  foundHelpful: 0,
  foundUnhelpful: 0,
  helpfulness: 0,
  moderation: { moderationStatus: 'APPROVED', manuallyChanged: false },
  revision: '1',
  verified: false,
  origin: { type: 'ORGANIC' },
  reviewDate: '2026-12-01T10:00:00.000Z',
  relevanceScore: 3.5,
  publishCount: 1,
};

const every: EventSpec[] = [
  { slug: 'created' },
  { slug: 'updated' },
  { slug: 'deleted' },
  { slug: 'moderation_status_changed', previous: 'SUBMITTED' },
  { slug: 'review_published' },
];

describe('eventJson', () => {
  it('is JSON.stringify of every kind of event, with and without its options', () => {
    const optionSets = [{}, { anonymize: true }, { modifiedFields: { 'content.body': awkward, rating: 4 } }];
    for (const opts of optionSets) {
      for (const e of buildEvents(review, every, 7, '2026-12-02T00:00:00.000Z', opts)) {
        expect(eventJson(e, JSON.stringify(review))).toBe(JSON.stringify(e));
      }
    }
  });

  it('gives stored rows whose bodies are JSON.stringify of their events, for events of several reviews', () => {
    const other: Review = { ...review, id: 'b3f1d7a0-1111-4222-8333-944445555666', content: { media: [], rating: 1 } };
    const events = [
      ...buildEvents(review, every, 1, '2026-12-02T00:00:00.000Z'),
      ...buildEvents(other, every, 1, '2026-12-02T00:00:00.000Z'),
    ];
    const rows = outboxRows('site-1', events, '{"identityType":"UNKNOWN"}');
    expect(rows.map((r) => r.body_json)).toEqual(events.map((e) => JSON.stringify(e)));
    expect(rows.map((r) => JSON.parse(r.body_json))).toEqual(events);
  });
});
