/**
 * The moderation rules editor's model: rules as the form edits them (every field present, words as text) and the
 * rules the API takes. Pure.
 */
import type { ModerationRule, ModerationRuleInput, RuleType } from '../../contract/moderation.ts';

export interface DraftRule {
  type: RuleType;
  ratings: number[];
  /** Blocked words, one per line. */
  words: string;
  minReports: number;
}

/** Short enough for a rule's drop-down on a phone (390 px) to show each whole. */
export const RULE_LABEL: Record<RuleType, string> = {
  APPROVE_ALL: 'Publish at once',
  HOLD_ALL: 'Hold every review',
  HOLD_RATINGS: 'Hold these ratings',
  HOLD_MEDIA: 'Hold photos and videos',
  HOLD_BLOCKED_WORDS: 'Hold blocked words',
  HOLD_LINKS: 'Hold reviews with links',
  HOLD_REPORTED_AUTHOR: 'Hold reported authors',
};

/**
 * Every rule type, in the order the editor offers them. Taken from the labels (a `Record` over `RuleType`, so a
 * new type fails to compile until it has one) rather than from the contract's list, whose module carries the schema
 * library into the bundle.
 */
export const RULE_TYPES = Object.keys(RULE_LABEL) as RuleType[];

export function toDraft(rule: ModerationRule): DraftRule {
  return {
    type: rule.type,
    ratings: 'ratings' in rule ? [...rule.ratings] : [1, 2],
    words: 'words' in rule ? rule.words.join('\n') : '',
    minReports: 'minReports' in rule ? rule.minReports : 3,
  };
}

export const newDraft = (): DraftRule => ({ type: 'HOLD_RATINGS', ratings: [1, 2], words: '', minReports: 3 });

/** The words of a draft: one per line, trimmed, blank lines and repeats dropped. */
export function draftWords(words: string): string[] {
  return [
    ...new Set(
      words
        .split('\n')
        .map((w) => w.trim())
        .filter((w) => w.length > 0),
    ),
  ];
}

/** The rule the API takes for a draft: only the fields its type uses. */
export function toInput(d: DraftRule): ModerationRuleInput {
  switch (d.type) {
    case 'HOLD_RATINGS':
      return { type: d.type, ratings: [...d.ratings].sort() };
    case 'HOLD_BLOCKED_WORDS':
      return { type: d.type, words: draftWords(d.words) };
    case 'HOLD_REPORTED_AUTHOR':
      return { type: d.type, minReports: d.minReports };
    default:
      return { type: d.type };
  }
}

/** Moves the rule at `index` by `by` places (rules are ordered: the first that matches decides). */
export function move<T>(list: readonly T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (to < 0 || to >= list.length) return [...list];
  const next = [...list];
  const [item] = next.splice(index, 1);
  next.splice(to, 0, item as T);
  return next;
}
