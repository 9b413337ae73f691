/**
 * Text that cannot be stored or shown safely. PostgreSQL refuses NUL in `text` (the query
 * fails: a 500 where the caller sent bad input); an unpaired UTF-16 surrogate is not text at
 * all; bidirectional overrides and other invisible formatting characters (U+202E …) let a
 * name display as something else than it is.
 */

/** An unpaired UTF-16 surrogate (no `u` flag: it works on code units). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Invisible formatting characters (Unicode category Cf): bidi embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069), zero-width characters and marks (U+200B–U+200F),
 * word joiners (U+2060–U+2064), the byte-order mark (U+FEFF), soft hyphens, tags.
 */
const INVISIBLE_FORMATTING = /\p{Cf}/gu;

/** Why `text` cannot be stored, as a predicate for a field ("must not contain …"), or null. */
export function textProblem(text: string): string | null {
  // NUL is the one control character PostgreSQL cannot store; the wording matches the fields
  // that refuse every control character.
  if (text.includes('\u0000')) return 'must not contain control characters';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode text (it has an unpaired surrogate)';
  return null;
}

/**
 * `text` made safe to store and show as a quotation (a rejected record's uid in the sync log):
 * NUL and unpaired surrogates become U+FFFD, and it is cut to `maxLength` code units.
 */
export function quotable(text: string, maxLength = 128): string {
  return text
    .slice(0, maxLength)
    .replaceAll('\u0000', '\uFFFD')
    .replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

/** `text` without invisible formatting characters (for names shown to other people). */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE_FORMATTING, '');
}

/**
 * The first string in a raw input (any depth) that cannot be stored, with its path; null when
 * every string is fine. Object keys count too. Bounded in depth against hostile nesting.
 */
export function findUnstorableText(
  value: unknown,
  path: (string | number)[] = [],
  depth = 0,
): { path: (string | number)[]; problem: string } | null {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path, problem } : null;
  }
  if (depth > 32 || value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], [...path, i], depth + 1);
      if (found) return found;
    }
    return null;
  }
  if (value instanceof Date) return null;
  for (const [key, inner] of Object.entries(value)) {
    if (textProblem(key)) return { path, problem: 'has a field name that is not valid text' };
    const found = findUnstorableText(inner, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}
