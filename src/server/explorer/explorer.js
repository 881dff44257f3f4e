/* The allow-clients explorer: GraphiQL with a caller picker. Served by the reference server (src/server/explorer.ts). */
/* global document, window, fetch, URLSearchParams, React, ReactDOM, GraphiQL */
'use strict';

(function main() {
  const config = JSON.parse(document.getElementById('explorer-config').textContent);
  const bar = document.getElementById('explorer-bar');
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  const hash = new URLSearchParams(window.location.hash.slice(1));
  let query = hash.get('query') || '{\n  viewer {\n    kind\n    client { id name }\n  }\n}\n';
  let token = null;
  let generation = 0;
  let anonymousChosen = false;

  const element = (tag, attributes, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children) node.append(child);
    return node;
  };

  const status = element('span', { id: 'explorer-status', role: 'status' }, 'Not signed in: pick a caller.');
  const setStatus = (text, failed) => {
    status.textContent = text;
    status.className = failed ? 'failed' : '';
  };

  async function fetcher(params) {
    const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await fetch(config.url, { method: 'POST', headers, body: JSON.stringify(params) });
    return response.json();
  }

  // A new key remounts GraphiQL: it introspects again, so the docs pane shows the new caller's view.
  function render() {
    generation += 1;
    root.render(
      React.createElement(GraphiQL, {
        key: String(generation),
        fetcher,
        // No introspection before a caller is chosen: it would only be refused (401).
        ...(token === null && !anonymousChosen ? { schema: null } : {}),
        query,
        onEditQuery: (text) => {
          query = text;
        },
        shouldPersistHeaders: false,
        isHeadersEditorEnabled: false,
      }),
    );
  }

  async function signIn(request, label) {
    setStatus(`Signing in as ${label}…`, false);
    try {
      const response = await fetch('/explorer/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
      const body = await response.json();
      if (!response.ok || typeof body.access_token !== 'string') throw new Error(body.error || `HTTP ${response.status}`);
      token = body.access_token;
      setStatus(`Signed in as ${label}`, false);
      document.body.dataset.caller = request.client || `user:${request.user}`;
      render();
    } catch (error) {
      token = null;
      setStatus(`Could not sign in as ${label}: ${error.message}`, true);
    }
  }

  bar.append(element('strong', {}, 'allow-clients explorer'));
  if (config.mode === 'dev') {
    const picker = element('select', { id: 'explorer-caller', 'aria-label': 'Caller' }, element('option', { value: '' }, 'Pick a demo caller…'));
    for (const client of config.clients) {
      picker.append(element('option', { value: `client:${client.id}` }, `${client.id} — ${client.name}${client.tier ? ` (${client.tier})` : ''}`));
    }
    const userName = element('input', { id: 'explorer-user', 'aria-label': 'User name', value: 'alice', size: '10' });
    if (config.userLogin !== null) picker.append(element('option', { value: 'user' }, `a user of ${config.userLogin.name} (${config.userLogin.clientId})`));
    picker.addEventListener('change', () => {
      const value = picker.value;
      if (value.startsWith('client:')) void signIn({ client: value.slice('client:'.length) }, value.slice('client:'.length));
      else if (value === 'user') void signIn({ user: userName.value }, `${userName.value} via ${config.userLogin.clientId}`);
    });
    bar.append(element('label', {}, 'Caller ', picker), element('label', {}, 'User ', userName), element('span', { class: 'dev' }, 'DEV issuer: demo tokens'));
  } else {
    const field = element('input', { id: 'explorer-token', type: 'password', 'aria-label': 'Bearer token', placeholder: 'Paste an access token', size: '40' });
    const use = element('button', { id: 'explorer-use-token', type: 'button' }, 'Use token');
    use.addEventListener('click', () => {
      token = field.value.trim() === '' ? null : field.value.trim();
      anonymousChosen = token === null;
      setStatus(token === null ? 'No token: anonymous' : 'Using the pasted token', false);
      render();
    });
    bar.append(element('label', {}, 'Bearer token ', field), use);
  }
  bar.append(status);
  render();
})();
