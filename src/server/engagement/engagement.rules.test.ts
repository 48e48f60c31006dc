import { describe, expect, it } from 'vitest';
import type { Review, ReviewDomainEvent } from '../../contract/index.ts';
import { redactEvent, redactIdentity } from './engagement.rules.ts';

describe('erasure of event metadata', () => {
  it('turns an identity naming the erased contact into UNKNOWN and keeps any other', () => {
    const unknown = '{"identityType":"UNKNOWN"}';
    expect(redactIdentity('{"identityType":"MEMBER","memberId":"c-1"}', 'c-1')).toBe(unknown);
    expect(redactIdentity('{"identityType":"ANONYMOUS_VISITOR","anonymousVisitorId":"c-1"}', 'c-1')).toBe(unknown);
    const owner = '{"identityType":"WIX_USER","wixUserId":"u-1"}';
    expect(redactIdentity(owner, 'c-1')).toBe(owner);
    expect(redactIdentity(null, 'c-1')).toBeNull();
  });

  it("keeps an update's modified paths but drops their previous values", () => {
    const review = {
      id: 'r-1',
      content: { title: 'Secret title', media: [], rating: 4 },
      author: { contactId: 'c-1', authorName: 'Ann Example' },
    } as unknown as Review;
    const event: ReviewDomainEvent = {
      id: 'e-1',
      entityFqdn: 'wix.reviews.v1.review',
      entityId: 'r-1',
      eventTime: '2026-12-01T00:00:00.000Z',
      entityEventSequence: '4',
      slug: 'updated',
      updatedEvent: { currentEntity: review, modifiedFields: { 'content.title': 'Older secret', reply: null } },
    };
    const redacted = redactEvent(event);
    if (redacted.slug !== 'updated') throw new Error('slug changed');
    expect(redacted.updatedEvent.modifiedFields).toEqual({ 'content.title': null, reply: null });
    expect(JSON.stringify(redacted)).not.toContain('Older secret');
  });
});
