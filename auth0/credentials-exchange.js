/* global exports */
/**
 * Auth0 Action, trigger "Machine to Machine" (credentials-exchange).
 *
 * Writes the calling application into every client-credentials access token, so that the API
 * knows WHICH partner application calls and can apply @allowClients rules by id, name or metadata.
 *
 * Paste this file as-is into Actions > Library > Create Action > "Machine to Machine", deploy it,
 * and add it to the Machine to Machine flow. The claim name must match the API's AUTH_CLIENT_CLAIM
 * (the default of allow-clients is https://allow-clients.dev/client).
 *
 * Why here and not elsewhere: only this trigger's event.client describes the application that
 * asked for the token; Hooks (the old way) are deprecated. The name is a namespaced URL, as Auth0
 * recommends: a custom claim that collides with one Auth0 restricts (client_id, azp, permissions...)
 * is silently left out of the token.
 */

/** Name of the claim, a namespaced URL. Keep it equal to the API's AUTH_CLIENT_CLAIM. */
const CLIENT_CLAIM = 'https://allow-clients.dev/client';

/**
 * @param {Event} event - Details about the client credentials grant request.
 * @param {CredentialsExchangeAPI} api - Interface whose methods can be used to change the behavior of the grant.
 */
exports.onExecuteCredentialsExchange = async (event, api) => {
  const client = event.client;
  api.accessToken.setCustomClaim(CLIENT_CLAIM, {
    id: client.client_id,
    name: typeof client.name === 'string' ? client.name : null,
    // Application metadata: string values set on the application (Dashboard > Applications > Advanced Settings).
    metadata: { ...(client.metadata || {}) },
  });
};
