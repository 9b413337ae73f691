import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The API server the dev proxy talks to: API_URL, else the local server on PORT (default 5000).
const apiUrl = process.env.API_URL || `http://127.0.0.1:${process.env.PORT || 5000}`;

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      // HTTP batches and the subscription WebSocket both live under /trpc on the API server.
      '/trpc': { target: apiUrl, ws: true, changeOrigin: true },
      // The REST API, its OpenAPI document and reference.
      '/api': { target: apiUrl, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
});
