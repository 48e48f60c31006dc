/**
 * The moderation rules engine (docs/product.md §4): which status a new or edited review enters, from the ordered rules
 * of its site and namespace (first match wins), plus the validation of a submitted rules list. Pure: no I/O, no
 * clock; the caller passes the rules, the review and what is known about its author.
 */
import type {
  FieldViolation,
  ModerationRule,
  ModerationRuleInput,
  RuleType,
  SiteSettings,
} from '../../contract/index.ts';

export type AutoDecision = 'APPROVED' | 'IN_MODERATION';

/** The parts of a review the rules look at. */
export interface RuleSubject {
  title: string | null;
  body: string | null;
  rating: number;
  media: readonly unknown[];
}

/** What the rules know beyond the review itself. */
export interface RuleContext {
  /** Open abuse reports against the review's author (the open abuse reports against the author). */
  authorOpenReports: number;
}

export interface RuleDecision {
  status: AutoDecision;
  /** `RULE:<type>` of the rule that matched, or `NO_RULE_MATCHED` (then the review is approved). */
  reason: string;
  /** The position of the rule that matched in the list; absent when none did. */
  index?: number;
}

/**
 * Folds text for matching: compatibility decomposition, combining marks removed, lower case. So `Spám`, `SPAM`
 * and `ｓｐａｍ` all become `spam`. (NFKD rather than plain NFD, so full-width and ligature look-alikes fold too.)
 */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/** The words of a text: maximal runs of Unicode letters and digits, folded. */
export function words(text: string): string[] {
  return foldText(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Whether `haystack` contains `phrase` (one or more words) as whole consecutive words. */
function containsPhrase(haystack: readonly string[], phrase: readonly string[]): boolean {
  if (phrase.length === 0) return false;
  outer: for (let i = 0; i + phrase.length <= haystack.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (haystack[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Top-level domains recognised in bare domains (`example.com`). A closed list, because a generic `\.[a-z]{2,}`
 * would hold every sentence typed without a space after its full stop; two-letter codes and new domains that are
 * also common English words (`in`, `is`, `it`, `me`, `to`, `us`, `live`, `store`, `app`, …) are left out for the
 * same reason.
 */
const TLDS = (
  'com net org info biz io co xyz top shop online dev vip ' +
  'ru de uk cn fr es nl pl br au jp ca ch se eu ly tk gg cc tv ws ua kz vn ir cz ro'
).split(' ');
const LINK = new RegExp(
  [
    String.raw`\bhttps?:\/\/\S`,
    String.raw`\bwww\.[\p{L}\p{N}-]+\.[\p{L}\p{N}]`,
    String.raw`(?<![\p{L}\p{N}@.-])(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+(?:${TLDS.join('|')})(?![\p{L}\p{N}-])`,
  ].join('|'),
  'iu',
);

/** Whether a text contains a link: `http(s)://…`, `www.…`, or a bare domain with a known top-level domain. */
export function containsLink(text: string): boolean {
  return LINK.test(foldText(text));
}

function texts(review: RuleSubject): string[] {
  return [review.title ?? '', review.body ?? ''];
}

function matches(rule: ModerationRule, review: RuleSubject, context: RuleContext): boolean {
  switch (rule.type) {
    case 'APPROVE_ALL':
    case 'HOLD_ALL':
      return true;
    case 'HOLD_RATINGS':
      return rule.ratings.includes(review.rating);
    case 'HOLD_MEDIA':
      return review.media.length > 0;
    case 'HOLD_BLOCKED_WORDS': {
      const haystacks = texts(review).map(words);
      const phrases = rule.words.map(words);
      return haystacks.some((h) => phrases.some((p) => containsPhrase(h, p)));
    }
    case 'HOLD_LINKS':
      return texts(review).some(containsLink);
    case 'HOLD_REPORTED_AUTHOR':
      return context.authorOpenReports >= rule.minReports;
  }
}

/**
 * Evaluates the rules in order; the first that matches decides (APPROVE_ALL approves, every other type holds).
 * When none matches, the review is approved with reason `NO_RULE_MATCHED`.
 */
export function evaluateRules(
  rules: readonly ModerationRule[],
  review: RuleSubject,
  context: RuleContext,
): RuleDecision {
  for (const [index, rule] of rules.entries()) {
    if (matches(rule, review, context)) {
      return { status: rule.type === 'APPROVE_ALL' ? 'APPROVED' : 'IN_MODERATION', reason: `RULE:${rule.type}`, index };
    }
  }
  return { status: 'APPROVED', reason: 'NO_RULE_MATCHED' };
}

/**
 * Whether the rules read the author's open reports (`RuleContext.authorOpenReports`): only then does a create count
 * them, a query otherwise made for nothing.
 */
export function readsAuthorReports(rules: readonly ModerationRule[]): boolean {
  return rules.some((rule) => rule.type === 'HOLD_REPORTED_AUTHOR');
}

/** The rules equivalent to the site's moderation setting, for a namespace with no rules of its own. */
export function rulesFromSettings(settings: SiteSettings): ModerationRule[] {
  switch (settings.moderation.mode) {
    case 'APPROVE_ALL':
      return [{ type: 'APPROVE_ALL' }];
    case 'HOLD_ALL':
      return [{ type: 'HOLD_ALL' }];
    case 'HOLD_RATINGS':
      return settings.moderation.heldRatings.length > 0
        ? [{ type: 'HOLD_RATINGS', ratings: [...settings.moderation.heldRatings] }, { type: 'APPROVE_ALL' }]
        : [{ type: 'APPROVE_ALL' }];
  }
}

const FIELDS = ['ratings', 'words', 'minReports'] as const;
type ParamField = (typeof FIELDS)[number];
const REQUIRED: Record<RuleType, ParamField | null> = {
  APPROVE_ALL: null,
  HOLD_ALL: null,
  HOLD_RATINGS: 'ratings',
  HOLD_MEDIA: null,
  HOLD_BLOCKED_WORDS: 'words',
  HOLD_LINKS: null,
  HOLD_REPORTED_AUTHOR: 'minReports',
};

/**
 * Checks what a JSON schema cannot say about submitted rules (the route schema has checked types and ranges):
 * each type's required field, fields another type owns, blocked words with no letter or digit. Returns every
 * violation, with paths under `field` (e.g. `rules[2].words[0]`), and the normalized rules when there is none.
 */
export function checkRules(
  input: readonly ModerationRuleInput[],
  field = 'rules',
): { violations: FieldViolation[]; rules: ModerationRule[] } {
  const violations: FieldViolation[] = [];
  const rules: ModerationRule[] = [];
  input.forEach((r, i) => {
    const at = `${field}[${i}]`;
    const required = REQUIRED[r.type];
    if (required !== null && r[required] === undefined) {
      violations.push({
        field: `${at}.${required}`,
        description: `is required for ${r.type}`,
        violatedRule: 'REQUIRED_FIELD',
      });
    }
    for (const f of FIELDS) {
      if (f !== required && r[f] !== undefined) {
        violations.push({
          field: `${at}.${f}`,
          description: `is not allowed for ${r.type}`,
          violatedRule: 'INVALID_ARGUMENT',
        });
      }
    }
    r.words?.forEach((w, j) => {
      if (words(w).length === 0) {
        violations.push({
          field: `${at}.words[${j}]`,
          description: 'must contain a letter or digit',
          violatedRule: 'INVALID_ARGUMENT',
        });
      }
    });
    switch (r.type) {
      case 'HOLD_RATINGS':
        if (r.ratings) rules.push({ type: r.type, ratings: [...r.ratings].sort((a, b) => a - b) });
        break;
      case 'HOLD_BLOCKED_WORDS':
        if (r.words) rules.push({ type: r.type, words: r.words.map((w) => w.trim()) });
        break;
      case 'HOLD_REPORTED_AUTHOR':
        if (r.minReports !== undefined) rules.push({ type: r.type, minReports: r.minReports });
        break;
      default:
        rules.push({ type: r.type });
    }
  });
  return { violations, rules };
}
