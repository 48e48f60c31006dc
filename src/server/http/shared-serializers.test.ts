import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { ApplicationErrorBody, ErrorBody } from '../../contract/index.ts';
import { serializerKey, sharedSerializerFactory } from './shared-serializers.ts';

const route = (schema: unknown, httpStatus = '200') => ({ method: 'GET', url: '/x', httpStatus, schema });

describe('sharedSerializerFactory', () => {
  it('compiles the error body once for every route and status that documents it', () => {
    const compile = sharedSerializerFactory()({}, {});
    const notFound = compile(route({ ...ErrorBody, description: 'NOT_FOUND. Wix error body' }, '404'));
    const invalid = compile(route({ ...ErrorBody, description: 'INVALID_ARGUMENT. Wix error body' }, '400'));
    expect(invalid).toBe(notFound);
    const body = {
      message: 'review not found',
      details: { applicationError: { code: 'NOT_FOUND', description: 'No review 1' } },
    };
    expect(JSON.parse(invalid(body))).toEqual(body);
  });

  it('keeps apart schemas that differ below the top level, a property named description included', () => {
    const compile = sharedSerializerFactory()({}, {});
    const withDescription = compile(route(ApplicationErrorBody));
    const { description: _dropped, ...rest } = ApplicationErrorBody.properties;
    const withoutDescription = compile(route(Type.Object(rest)));
    expect(withoutDescription).not.toBe(withDescription);
    const body = { code: 'X', description: 'kept' };
    expect(JSON.parse(withDescription(body))).toEqual(body);
    expect(JSON.parse(withoutDescription(body))).toEqual({ code: 'X' });
  });

  it('compiles again for another server and for other shared schemas', () => {
    const schema = Type.Object({ id: Type.String() });
    const first = sharedSerializerFactory()({}, {})(route(schema));
    expect(sharedSerializerFactory()({}, {})(route(schema))).not.toBe(first);
    const factory = sharedSerializerFactory();
    const plain = factory({}, {})(route(schema));
    const shared = { 'urn:x': { $id: 'urn:x', type: 'string' } };
    expect(factory(shared, {})(route(schema))).not.toBe(plain);
    expect(factory({}, {})(route(schema))).toBe(plain);
  });
});

describe('serializerKey', () => {
  it('leaves out only the top-level description', () => {
    const a = Type.Object({ description: Type.String() }, { description: 'one' });
    const b = Type.Object({ description: Type.String() }, { description: 'two' });
    expect(serializerKey(a)).toBe(serializerKey(b));
    expect(serializerKey(a)).toContain('"description":{"type":"string"}');
    expect(serializerKey(Type.Object({ description: Type.Number() }))).not.toBe(serializerKey(a));
  });
});
