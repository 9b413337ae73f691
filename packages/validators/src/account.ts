/** What a person may choose as a username and a password: the same rules on every form and in the server's config. */
import { z } from 'zod';

/**
 * Usernames are ASCII letters, digits and underscores after NFKC normalization, so look-alike
 * tricks (full-width letters, Cyrillic homoglyphs, zero-width characters) either fold into the
 * plain name — and collide with it — or are refused.
 */
export const usernameSchema = z
  .string({ message: 'must be text' })
  .transform((raw) => raw.normalize('NFKC').trim())
  .pipe(
    z
      .string()
      .min(3, 'must be at least 3 characters')
      .max(32, 'must be at most 32 characters')
      .regex(/^[A-Za-z0-9_]+$/, 'may contain only letters a–z, digits and underscores'),
  );

const COMMON_PASSWORDS = new Set([
  'password',
  'password1',
  'password123',
  '1234567890',
  '12345678910',
  'qwertyuiop',
  'iloveyou12',
  'letmein123',
  'welcome123',
  'admin12345',
  'administrator',
  'passw0rd123',
  '1q2w3e4r5t',
  'qwerty1234',
  'football123',
  'baseball123',
]);

export const passwordSchema = z
  .string({ message: 'must be text' })
  .min(10, 'must be at least 10 characters')
  .max(128, 'must be at most 128 characters')
  .refine((p) => !COMMON_PASSWORDS.has(p.toLowerCase()), 'is too common; choose another')
  .refine((p) => new Set(p).size >= 4, 'is too repetitive; choose another');
