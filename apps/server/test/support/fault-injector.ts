/**
 * Loaded before main.ts (`--import`) by process tests. On SIGUSR2 it does what a bug would:
 * throws an error nobody catches (INJECT_FAULT=throw) or rejects a promise nobody handles
 * (INJECT_FAULT=reject).
 */
process.on('SIGUSR2', () => {
  if (process.env.INJECT_FAULT === 'reject') {
    Promise.reject(new Error('injected unhandled rejection'));
  } else {
    setImmediate(() => {
      throw new Error('injected uncaught exception');
    });
  }
});
