import { describe, expect, it } from 'vitest';
import type { ModerationRule, ModerationRuleInput } from '../../contract/index.ts';
import {
  checkRules,
  containsLink,
  evaluateRules,
  type RuleSubject,
  readsAuthorReports,
  rulesFromSettings,
} from './moderation.rules.ts';

const review = (over: Partial<RuleSubject> = {}): RuleSubject => ({
  title: 'Nice shoes',
  body: 'They fit well',
  rating: 4,
  media: [],
  ...over,
});
const none = { authorOpenReports: 0 };
const image = { image: { url: 'https://cdn.example.com/a.jpg' } };

describe('evaluateRules: each rule type', () => {
  it.each<[string, ModerationRule[], Partial<RuleSubject>, number, 'APPROVED' | 'IN_MODERATION', string]>([
    ['APPROVE_ALL approves anything', [{ type: 'APPROVE_ALL' }], { rating: 1 }, 0, 'APPROVED', 'RULE:APPROVE_ALL'],
    ['HOLD_ALL holds anything', [{ type: 'HOLD_ALL' }], { rating: 5 }, 0, 'IN_MODERATION', 'RULE:HOLD_ALL'],
    [
      'HOLD_RATINGS holds a listed rating',
      [{ type: 'HOLD_RATINGS', ratings: [1, 2] }],
      { rating: 2 },
      0,
      'IN_MODERATION',
      'RULE:HOLD_RATINGS',
    ],
    [
      'HOLD_RATINGS passes an unlisted rating',
      [{ type: 'HOLD_RATINGS', ratings: [1, 2] }],
      { rating: 3 },
      0,
      'APPROVED',
      'NO_RULE_MATCHED',
    ],
    [
      'HOLD_MEDIA holds a review with media',
      [{ type: 'HOLD_MEDIA' }],
      { media: [image] },
      0,
      'IN_MODERATION',
      'RULE:HOLD_MEDIA',
    ],
    ['HOLD_MEDIA passes a review without media', [{ type: 'HOLD_MEDIA' }], {}, 0, 'APPROVED', 'NO_RULE_MATCHED'],
    [
      'HOLD_BLOCKED_WORDS holds a blocked word in the body',
      [{ type: 'HOLD_BLOCKED_WORDS', words: ['spam'] }],
      { body: 'pure spam' },
      0,
      'IN_MODERATION',
      'RULE:HOLD_BLOCKED_WORDS',
    ],
    [
      'HOLD_BLOCKED_WORDS holds a blocked word in the title',
      [{ type: 'HOLD_BLOCKED_WORDS', words: ['spam'] }],
      { title: 'Spam', body: null },
      0,
      'IN_MODERATION',
      'RULE:HOLD_BLOCKED_WORDS',
    ],
    [
      'HOLD_BLOCKED_WORDS passes clean text',
      [{ type: 'HOLD_BLOCKED_WORDS', words: ['spam'] }],
      {},
      0,
      'APPROVED',
      'NO_RULE_MATCHED',
    ],
    [
      'HOLD_LINKS holds a link',
      [{ type: 'HOLD_LINKS' }],
      { body: 'see https://x.example' },
      0,
      'IN_MODERATION',
      'RULE:HOLD_LINKS',
    ],
    ['HOLD_LINKS passes text without a link', [{ type: 'HOLD_LINKS' }], {}, 0, 'APPROVED', 'NO_RULE_MATCHED'],
    [
      'HOLD_REPORTED_AUTHOR holds at the threshold',
      [{ type: 'HOLD_REPORTED_AUTHOR', minReports: 3 }],
      {},
      3,
      'IN_MODERATION',
      'RULE:HOLD_REPORTED_AUTHOR',
    ],
    [
      'HOLD_REPORTED_AUTHOR passes below the threshold',
      [{ type: 'HOLD_REPORTED_AUTHOR', minReports: 3 }],
      {},
      2,
      'APPROVED',
      'NO_RULE_MATCHED',
    ],
    ['no rules approve', [], { rating: 1 }, 0, 'APPROVED', 'NO_RULE_MATCHED'],
  ])('%s', (_name, rules, over, reports, status, reason) => {
    const decision = evaluateRules(rules, review(over), { authorOpenReports: reports });
    expect(decision).toEqual(reason === 'NO_RULE_MATCHED' ? { status, reason } : { status, reason, index: 0 });
  });
});

describe('evaluateRules: order', () => {
  it('lets the first matching rule win: an APPROVE_ALL before HOLD_ALL approves', () => {
    expect(evaluateRules([{ type: 'APPROVE_ALL' }, { type: 'HOLD_ALL' }], review(), none)).toEqual({
      status: 'APPROVED',
      reason: 'RULE:APPROVE_ALL',
      index: 0,
    });
  });

  it('skips rules that do not match and stops at the first that does', () => {
    const rules: ModerationRule[] = [
      { type: 'HOLD_RATINGS', ratings: [1] },
      { type: 'HOLD_MEDIA' },
      { type: 'APPROVE_ALL' },
      { type: 'HOLD_BLOCKED_WORDS', words: ['fit'] },
    ];
    expect(evaluateRules(rules, review({ rating: 5, media: [image] }), none)).toMatchObject({
      reason: 'RULE:HOLD_MEDIA',
      index: 1,
    });
    // The blocked word comes after APPROVE_ALL, so it is never reached.
    expect(evaluateRules(rules, review({ rating: 5 }), none)).toEqual({
      status: 'APPROVED',
      reason: 'RULE:APPROVE_ALL',
      index: 2,
    });
    expect(evaluateRules(rules, review({ rating: 1, media: [image] }), none).reason).toBe('RULE:HOLD_RATINGS');
  });
});

describe('evaluateRules: blocked words are whole words, case- and accent-insensitive', () => {
  const rules: ModerationRule[] = [{ type: 'HOLD_BLOCKED_WORDS', words: ['spam', 'Crème brûlée', 'free money'] }];
  it.each([
    ['SPAM!', true],
    ['spám', true],
    ['(spam)', true],
    ['it was spam-free', true],
    ['ｓｐａｍ in full width', true],
    ['spammer', false],
    ['antispam', false],
    ['spa m', false],
    ['CREME BRULEE again', true],
    ['creme brulee', true],
    ['crème', false],
    ['get FREE   money now', true],
    ['free, money', true],
    ['freemoney', false],
    ['money free', false],
  ])('%j holds: %s', (body, held) => {
    expect(evaluateRules(rules, review({ body }), none).status).toBe(held ? 'IN_MODERATION' : 'APPROVED');
  });

  it('matches blocked words written with accents or capitals against plain text', () => {
    expect(
      evaluateRules([{ type: 'HOLD_BLOCKED_WORDS', words: ['ÉCHEC'] }], review({ body: 'un echec total' }), none)
        .status,
    ).toBe('IN_MODERATION');
  });

  it('matches words in scripts other than Latin as whole words', () => {
    const r: ModerationRule[] = [{ type: 'HOLD_BLOCKED_WORDS', words: ['спам'] }];
    expect(evaluateRules(r, review({ body: 'это СПАМ.' }), none).status).toBe('IN_MODERATION');
    expect(evaluateRules(r, review({ body: 'спаммер' }), none).status).toBe('APPROVED');
  });
});

describe("readsAuthorReports: whether a create must count the author's open reports", () => {
  it('is true only when some rule holds reported authors', () => {
    expect(readsAuthorReports([])).toBe(false);
    expect(readsAuthorReports([{ type: 'HOLD_LINKS' }, { type: 'APPROVE_ALL' }])).toBe(false);
    expect(readsAuthorReports([{ type: 'HOLD_LINKS' }, { type: 'HOLD_REPORTED_AUTHOR', minReports: 2 }])).toBe(true);
  });
});

describe('containsLink', () => {
  it.each([
    ['visit http://example.org now', true],
    ['HTTPS://Example.com/path', true],
    ['www.example.de', true],
    ['buy at cheap-shoes.com today', true],
    ['shop.example.co.uk', true],
    ['mail me at a@b.com', false],
    ['(example.io)', true],
    ['great product.Recommend it', false],
    ['fast delivery.Live happily', false],
    ['e.g. this one', false],
    ['version 2.0 works', false],
    ['file.txt attached', false],
    ['no links here', false],
    ['the www is wide', false],
    ['comfy.comfortable', false],
  ])('%j: %s', (text, expected) => {
    expect(containsLink(text)).toBe(expected);
  });
});

describe('rulesFromSettings', () => {
  it.each([
    ['APPROVE_ALL', [], [{ type: 'APPROVE_ALL' }]],
    ['HOLD_ALL', [], [{ type: 'HOLD_ALL' }]],
    ['HOLD_RATINGS', [1, 2], [{ type: 'HOLD_RATINGS', ratings: [1, 2] }, { type: 'APPROVE_ALL' }]],
    ['HOLD_RATINGS', [], [{ type: 'APPROVE_ALL' }]],
  ] as const)('derives %s holding %j', (mode, heldRatings, expected) => {
    expect(rulesFromSettings({ moderation: { mode, heldRatings: [...heldRatings] } })).toEqual(expected);
  });

  it('decides like the old setting: HOLD_RATINGS [1,2] holds 2 and approves 3', () => {
    const rules = rulesFromSettings({ moderation: { mode: 'HOLD_RATINGS', heldRatings: [1, 2] } });
    expect(evaluateRules(rules, review({ rating: 2 }), none)).toEqual({
      status: 'IN_MODERATION',
      reason: 'RULE:HOLD_RATINGS',
      index: 0,
    });
    expect(evaluateRules(rules, review({ rating: 3 }), none)).toEqual({
      status: 'APPROVED',
      reason: 'RULE:APPROVE_ALL',
      index: 1,
    });
  });
});

describe('checkRules', () => {
  it('accepts valid rules and normalizes them (ratings sorted, words trimmed)', () => {
    const input: ModerationRuleInput[] = [
      { type: 'HOLD_RATINGS', ratings: [2, 1] },
      { type: 'HOLD_BLOCKED_WORDS', words: [' spam '] },
      { type: 'HOLD_REPORTED_AUTHOR', minReports: 2 },
      { type: 'APPROVE_ALL' },
    ];
    expect(checkRules(input)).toEqual({
      violations: [],
      rules: [
        { type: 'HOLD_RATINGS', ratings: [1, 2] },
        { type: 'HOLD_BLOCKED_WORDS', words: ['spam'] },
        { type: 'HOLD_REPORTED_AUTHOR', minReports: 2 },
        { type: 'APPROVE_ALL' },
      ],
    });
  });

  it('lists every missing, foreign and wordless field with its path', () => {
    const { violations } = checkRules([
      { type: 'HOLD_RATINGS' },
      { type: 'HOLD_BLOCKED_WORDS', words: ['ok', '!!!'], ratings: [1] },
      { type: 'HOLD_REPORTED_AUTHOR' },
      { type: 'APPROVE_ALL', minReports: 1 },
    ]);
    expect(violations).toEqual([
      { field: 'rules[0].ratings', description: 'is required for HOLD_RATINGS', violatedRule: 'REQUIRED_FIELD' },
      {
        field: 'rules[1].ratings',
        description: 'is not allowed for HOLD_BLOCKED_WORDS',
        violatedRule: 'INVALID_ARGUMENT',
      },
      { field: 'rules[1].words[1]', description: 'must contain a letter or digit', violatedRule: 'INVALID_ARGUMENT' },
      {
        field: 'rules[2].minReports',
        description: 'is required for HOLD_REPORTED_AUTHOR',
        violatedRule: 'REQUIRED_FIELD',
      },
      { field: 'rules[3].minReports', description: 'is not allowed for APPROVE_ALL', violatedRule: 'INVALID_ARGUMENT' },
    ]);
  });
});
