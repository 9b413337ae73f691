import pkg from '../package.json' with { type: 'json' };

/** This client's version (its package's). */
export const clientVersion: string = pkg.version;

/** Versions that can talk to each other: the same major, or the same minor while the major is 0. */
function compatibilityLine(version: string): string | null {
  const match = /^(\d+)\.(\d+)\./.exec(version);
  if (!match) return null;
  const [, major, minor] = match;
  return major === '0' ? `0.${minor}` : `${major}`;
}

/** A mismatch worth telling the user about, or null when the versions are compatible (or unknown). */
export function versionMismatch(serverVersion: unknown, url: string): string | null {
  if (typeof serverVersion !== 'string') return null;
  const server = compatibilityLine(serverVersion);
  const client = compatibilityLine(clientVersion);
  if (!server || !client || server === client) return null;
  return (
    `@goated/client ${clientVersion} is talking to a server at ${url} that runs ${serverVersion}: ` +
    'procedures may differ from what this client was built for. ' +
    `Install the matching client: npm install @goated/client@${server}`
  );
}

const warned = new Set<string>();

/** Prints a mismatch once per server address per process. */
export function warnOnce(message: string, url: string, warn: (message: string) => void): void {
  if (warned.has(url)) return;
  warned.add(url);
  warn(message);
}
