/**
 * The Contacts v4 subset reviews need (docs/wix-api.md §12): create, get, query by email. Owner only; served under
 * `/contacts/v4/contacts` and its aliases.
 */
import {
  ContactIdParams,
  ContactResponse,
  CreateContactRequest,
  QueryContactsRequest,
  QueryContactsResponse,
} from '../engagement.ts';
import { type Operation, OWNER } from './define.ts';
import * as routes from './routes.ts';

const tag = 'contacts';

export const contactOperations = {
  createContact: {
    ...routes.createContact,
    summary: 'Create a contact (name and/or email); 409 when the email is taken',
    tag,
    access: OWNER,
    body: CreateContactRequest,
    response: ContactResponse,
    errors: ['CONTACT_ALREADY_EXISTS'],
  },
  queryContacts: {
    ...routes.queryContacts,
    summary: 'Query contacts by email (info.emails.email or primaryInfo.email), paged by offset or by cursor',
    tag,
    access: OWNER,
    body: QueryContactsRequest,
    response: QueryContactsResponse,
    errors: [],
  },
  getContact: {
    ...routes.getContact,
    summary: 'A contact by id',
    tag,
    access: OWNER,
    params: ContactIdParams,
    response: ContactResponse,
    errors: ['CONTACT_NOT_FOUND'],
  },
} as const satisfies Record<string, Operation>;
