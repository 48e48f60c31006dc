import { describe, expect, it } from 'vitest';
import { MAX_FILTER_NODES, parseFilter } from './filter.ts';

const fields = (f: unknown) => parseFilter(f, 'filter').violations.map((v) => v.field);

describe('parseFilter', () => {
  it('reads shorthand equality as $eq and renames _id and _createdDate', () => {
    expect(parseFilter({ entityId: 'p1', _id: 'x' }, 'filter').node).toEqual({
      op: 'and',
      nodes: [
        { op: 'cmp', field: 'entityId', cmp: '$eq', value: 'p1' },
        { op: 'cmp', field: 'id', cmp: '$eq', value: 'x' },
      ],
    });
    expect(parseFilter({ _createdDate: { $gt: '2026-01-01T00:00:00Z' } }, 'filter').node).toEqual({
      op: 'cmp',
      field: 'createdDate',
      cmp: '$gt',
      value: '2026-01-01T00:00:00.000Z',
    });
  });

  it('nests $and, $or and $not', () => {
    const node = parseFilter({ $or: [{ 'content.rating': 5 }, { $not: { verified: true } }] }, 'filter').node;
    expect(node).toEqual({
      op: 'or',
      nodes: [
        { op: 'cmp', field: 'content.rating', cmp: '$eq', value: 5 },
        { op: 'not', node: { op: 'cmp', field: 'verified', cmp: '$eq', value: 1 } },
      ],
    });
  });

  it('lists every violation: unknown field, operator not allowed for the field, wrong value type', () => {
    expect(
      fields({
        title: 'x',
        namespace: { $gt: 'a' },
        'content.rating': 'five',
        verified: { $in: [true] },
        'content.media': { $eq: [] },
      }),
    ).toEqual([
      'filter.title',
      'filter.namespace.$gt',
      'filter.content.rating',
      'filter.verified.$in',
      'filter.content.media.$eq',
    ]);
  });

  it('rejects operators outside the Reviews language ($nin, $startsWith, $exists, $hasSome)', () => {
    for (const op of ['$nin', '$startsWith', '$exists', '$hasSome']) {
      expect(fields({ entityId: { [op]: ['a'] } })).toEqual([`filter.entityId.${op}`]);
    }
  });

  it('rejects $in over 100 values and nesting deeper than the cap', () => {
    expect(fields({ entityId: { $in: Array.from({ length: 101 }, (_, i) => `e${i}`) } })).toEqual([
      'filter.entityId.$in',
    ]);
    let deep: Record<string, unknown> = { entityId: 'x' };
    for (let i = 0; i < 10; i++) deep = { $not: deep };
    const v = parseFilter(deep, 'filter').violations;
    expect(v).toHaveLength(1);
    expect(v[0]?.violatedRule).toBe('MAX_DEPTH');
  });

  it("rejects integers outside the integer columns' range, in every operator, and keeps the edges", () => {
    expect(
      fields({
        'content.rating': 2147483648,
        helpfulness: { $gt: 1e308 },
        $and: [{ helpfulness: { $in: [1, -2147483649] } }, { 'content.rating': { $lte: 2 ** 53 + 2 } }],
      }),
    ).toEqual([
      'filter.content.rating',
      'filter.helpfulness.$gt',
      'filter.$and[0].helpfulness.$in[1]',
      'filter.$and[1].content.rating.$lte',
    ]);
    expect(parseFilter({ 'content.rating': 2147483648 }, 'filter').violations[0]?.description).toBe(
      'must be an integer from -2147483648 to 2147483647',
    );
    expect(fields({ helpfulness: { $gte: -2147483648, $lte: 2147483647 }, relevanceScore: { $gt: 1e308 } })).toEqual(
      [],
    );
  });

  it(`caps a filter at ${MAX_FILTER_NODES} nodes (branches, conditions, $in values) with one MAX_SIZE violation`, () => {
    const branches = (n: number) => Array.from({ length: n }, (_, i) => ({ entityId: `e${i}` }));
    // 250 branches of one condition each: exactly the cap.
    expect(fields({ $or: branches(MAX_FILTER_NODES / 2) })).toEqual([]);
    const over = parseFilter({ $or: branches(1000) }, 'filter').violations;
    expect(over).toEqual([
      {
        field: 'filter.$or[250]',
        description: `filter has more than ${MAX_FILTER_NODES} branches, conditions and $in values in all`,
        violatedRule: 'MAX_SIZE',
      },
    ]);
    // $in values count too: five lists of 100 fit, a sixth does not.
    const dates = Array.from({ length: 100 }, (_, i) => `2026-01-${String((i % 28) + 1).padStart(2, '0')}`);
    const ints = Array.from({ length: 100 }, (_, i) => i);
    const five = {
      'content.rating': { $in: ints },
      helpfulness: { $in: ints },
      relevanceScore: { $in: ints },
      createdDate: { $in: dates },
      reviewDate: { $in: dates },
    };
    expect(fields(five)).toEqual([]);
    expect(
      parseFilter({ ...five, updatedDate: { $in: dates } }, 'filter').violations.map((v) => [v.field, v.violatedRule]),
    ).toEqual([['filter.updatedDate.$in', 'MAX_SIZE']]);
    // Empty branches count: a thousand of them would be a thousand-deep OR in SQLite.
    expect(fields({ $or: Array.from({ length: 1000 }, () => ({})) })).toEqual(['filter.$or[500]']);
  });

  it('accepts null only for nullable fields and only with $eq/$ne', () => {
    expect(fields({ 'author.contactId': null })).toEqual([]);
    expect(fields({ entityId: null })).toEqual(['filter.entityId']);
  });

  it('rejects dates that are not ISO-8601 and enum values outside the enum', () => {
    expect(
      fields({ createdDate: { $gt: 'yesterday' }, 'moderation.moderationStatus': 'PUBLISHED', 'origin.type': 'X' }),
    ).toEqual(['filter.createdDate.$gt', 'filter.moderation.moderationStatus', 'filter.origin.type']);
  });

  it('treats an empty filter as no filter', () => {
    expect(parseFilter({}, 'filter')).toEqual({ node: null, violations: [] });
    expect(parseFilter(undefined, 'filter')).toEqual({ node: null, violations: [] });
  });
});
