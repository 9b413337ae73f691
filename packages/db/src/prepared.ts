/**
 * Named prepared statements for every query drizzle sends through postgres.js.
 *
 * drizzle runs each query it has no name for (`db.execute`, the query builder) as an unnamed
 * statement (`prepare: false`), and postgres.js sends an unnamed statement with parameters in
 * two round trips: Parse and Describe first, to learn the parameters' types, then Bind and
 * Execute once they are back. Every parameterized query paid a second round trip to the
 * database, and a parse and a plan, each time. Named, postgres.js describes a statement once
 * per connection and from then on sends Bind and Execute alone: one round trip, and the server
 * keeps the parsed statement and, after a few runs, its plan.
 *
 * This wraps the client drizzle is given, and every transaction and savepoint client it opens,
 * so that each query asks for a named statement. postgres.js keeps a connection's statements
 * until the connection closes (at most `max_lifetime`, 30-60 minutes by default).
 */
export function withPreparedStatements<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'unsafe') {
        return (query: string, parameters?: unknown[], options?: object) =>
          Reflect.apply(value, target, [query, parameters, { ...options, prepare: true }]);
      }
      if (property === 'begin' || property === 'savepoint') {
        // The transaction's own client (the callback's argument) must prepare as well.
        return (...args: unknown[]) =>
          Reflect.apply(
            value,
            target,
            args.map((arg) =>
              typeof arg === 'function'
                ? (transaction: object) => Reflect.apply(arg, undefined, [withPreparedStatements(transaction)])
                : arg,
            ),
          );
      }
      return value;
    },
  });
}
