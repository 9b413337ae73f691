import compress from '@fastify/compress';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/** Security headers, CORS for the configured origins, and response compression. */
export const hygienePlugin = fp<{ corsOrigins: string[] }>(async (app, { corsOrigins }) => {
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // The dashboard talks to /trpc over fetch, WebSocket and EventSource on its own origin.
        connectSrc: ["'self'", 'ws:', 'wss:'],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
      },
    },
    // Cross-origin isolation is not needed and breaks nothing we serve.
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cors, {
    // Same-origin requests need no CORS; only listed origins may call with credentials.
    origin: corsOrigins.length > 0 ? corsOrigins : false,
    credentials: true,
    methods: ['GET', 'POST', 'OPTIONS'],
  });
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip', 'deflate'] });
});
