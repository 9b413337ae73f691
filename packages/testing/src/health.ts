/** `health.status` as an admin sees it; throws on the public view (tests asking for details). */
export function fullHealth<T extends { detail: 'public' | 'full' }>(health: T): Extract<T, { detail: 'full' }> {
  if (health.detail !== 'full') throw new Error('expected the admin view of health.status');
  return health as Extract<T, { detail: 'full' }>;
}
