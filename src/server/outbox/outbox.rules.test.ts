import { describe, expect, it } from 'vitest';
import { GUID_PATTERN, type Review } from '../../contract/index.ts';
import {
  accountInfo,
  eventContext,
  eventIdentity,
  modifiedFields,
  ownerUserId,
  parseIdentity,
} from './outbox.rules.ts';

const review: Review = {
  id: '6c7c6f5e-0d5b-4d8e-9a55-4f2f3f0d7a11',
  namespace: 'stores',
  entityId: 'p-1',
  content: { title: 'Warm', body: 'Fits well', media: [], rating: 4 },
  createdDate: '2026-12-01T10:00:00.000Z',
  updatedDate: '2026-12-01T10:00:00.000Z',
  author: { contactId: 'c-1', authorName: 'Ann' },
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

const later = { updatedDate: '2026-12-02T10:00:00.000Z', revision: '2', relevanceScore: 4 };

describe('modifiedFields', () => {
  it('lists each changed content field with its previous value, leaving out revision, updatedDate and relevanceScore', () => {
    const after: Review = { ...review, ...later, content: { ...review.content, title: 'Very warm', rating: 5 } };
    expect(modifiedFields(review, after)).toEqual({ 'content.title': 'Warm', 'content.rating': 4 });
  });

  it('reports a reply as a whole, null when there was none, and the previous reply when it changes or goes', () => {
    const reply = { message: 'Thanks', createdDate: later.updatedDate, updatedDate: later.updatedDate };
    const replied: Review = { ...review, ...later, reply };
    expect(modifiedFields(review, replied)).toEqual({ reply: null });
    const changed: Review = { ...replied, reply: { ...reply, message: 'Thank you' } };
    expect(modifiedFields(replied, changed)).toEqual({ reply });
    const { reply: _gone, ...removed } = replied;
    expect(modifiedFields(replied, removed)).toEqual({ reply });
  });

  it('names moderation fields by their path, compares media as a whole, and is empty when nothing changed', () => {
    const held: Review = {
      ...review,
      ...later,
      moderation: { moderationStatus: 'REJECTED', manuallyChanged: true },
    };
    expect(modifiedFields(review, held)).toEqual({
      'moderation.moderationStatus': 'APPROVED',
      'moderation.manuallyChanged': false,
    });
    const media = [{ image: { url: 'https://example.com/a.jpg' } }];
    expect(modifiedFields(review, { ...review, content: { ...review.content, media } })).toEqual({
      'content.media': [],
    });
    expect(modifiedFields(review, { ...review, ...later })).toEqual({});
  });

  it('lists a field that appears or disappears, with null for an absent previous value', () => {
    const { title: _t, ...untitled } = review.content;
    expect(modifiedFields({ ...review, content: untitled }, review)).toEqual({ 'content.title': null });
    expect(modifiedFields(review, { ...review, content: untitled })).toEqual({ 'content.title': 'Warm' });
  });
});

describe('event identity and context', () => {
  it('names visitors, members, the owner and apps as Wix does', () => {
    const siteId = 'site-a';
    expect(eventIdentity({ kind: 'VISITOR', siteId, visitorId: 'v-1', contactId: 'v-1' })).toEqual({
      identityType: 'ANONYMOUS_VISITOR',
      anonymousVisitorId: 'v-1',
    });
    expect(eventIdentity({ kind: 'MEMBER', siteId, contactId: 'm-1' })).toEqual({
      identityType: 'MEMBER',
      memberId: 'm-1',
    });
    expect(eventIdentity({ kind: 'ADMIN', siteId, keyId: 'k-1' })).toEqual({
      identityType: 'WIX_USER',
      wixUserId: ownerUserId(siteId),
    });
    expect(eventIdentity({ kind: 'APP', siteId, keyId: 'k-2', appId: 'app-9', scopes: [] })).toEqual({
      identityType: 'APP',
      appId: 'app-9',
    });
    expect(eventIdentity({ kind: 'APP', siteId, keyId: 'k-2', appId: null, scopes: [] })).toEqual({
      identityType: 'APP',
      appId: 'k-2',
    });
  });

  it("derives the owner's id from the site alone: a GUID, the same for every admin key, different per site", () => {
    expect(ownerUserId('site-a')).toMatch(new RegExp(GUID_PATTERN));
    expect(ownerUserId('site-a')).toBe(ownerUserId('site-a'));
    expect(ownerUserId('site-a')).not.toBe(ownerUserId('site-b'));
    expect(eventIdentity({ kind: 'ADMIN', siteId: 'site-a', keyId: 'k-1' })).toEqual(
      eventIdentity({ kind: 'ADMIN', siteId: 'site-a', keyId: 'k-2' }),
    );
  });

  it('reads a stored identity back, and UNKNOWN for events stored without one or with anything else', () => {
    expect(parseIdentity('{"identityType":"MEMBER","memberId":"m-1"}')).toEqual({
      identityType: 'MEMBER',
      memberId: 'm-1',
    });
    expect(parseIdentity(null)).toEqual({ identityType: 'UNKNOWN' });
    expect(parseIdentity('{"identityType":"ROBOT"}')).toEqual({ identityType: 'UNKNOWN' });
    expect(parseIdentity('not json')).toEqual({ identityType: 'UNKNOWN' });
    expect(eventContext('site-a', null)).toEqual({
      instanceId: 'site-a',
      identity: { identityType: 'UNKNOWN' },
      accountInfo: accountInfo('site-a'),
    });
    expect(accountInfo('site-a')).toEqual({ accountId: ownerUserId('site-a'), siteId: 'site-a' });
  });
});
