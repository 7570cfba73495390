// Renderer entry: connects to the core (the preload's bridge, or HTTP with the UI token) and
// renders the app, or says what is missing.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectApi } from './api/api-client';
import { App } from './app';
import './styles.css';

const connected = connectApi();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {'error' in connected ? (
      <main className="app">
        <h1>Airlock</h1>
        <p role="alert">{connected.error}</p>
      </main>
    ) : (
      <App api={connected.api} transport={connected.transport} />
    )}
  </StrictMode>,
);
