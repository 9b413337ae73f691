import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App';
import { createQueryClient } from './queryClient';
import { trpc, trpcClient } from './trpc';
// In this order: later sheets refine earlier ones (the cascade of the one stylesheet they were).
import './styles/base.css';
import './styles/layout.css';
import './styles/lists.css';
import './styles/players.css';
import './styles/console.css';
import './styles/vip.css';
import './styles/tiers.css';
import './styles/home.css';
import './styles/home-offers.css';

const queryClient = createQueryClient();

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

createRoot(container).render(
  <StrictMode>
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </trpc.Provider>
  </StrictMode>,
);
