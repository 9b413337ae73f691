import { FieldError } from '../errors';
import { t } from '../init';
import { findUnstorableText } from '../text';

/**
 * Text the database cannot store (NUL) or that is not text (an unpaired surrogate), anywhere in
 * any procedure's input, is the caller's mistake: BAD_REQUEST naming the field, checked once
 * here for every procedure, before a query fails on it with a 500. A procedure whose service
 * checks each item itself (`meta.textCheckedByService`) is let through.
 */
export const storableText = t.middleware(async ({ meta, getRawInput, next }) => {
  if (!meta?.textCheckedByService) {
    const found = findUnstorableText(await getRawInput());
    if (found) throw new FieldError(found.path, found.problem);
  }
  return next();
});
