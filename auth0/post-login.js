/* global exports */
/**
 * Auth0 Action, trigger "Login" (post-login).
 *
 * Writes the application the user signed in through into the user's access token, with the same
 * claim name and shape as credentials-exchange.js, so that rules with `users: true` (first-party
 * frontends) can admit user tokens of that application.
 *
 * Paste this file as-is into Actions > Library > Create Action > "Login / Post Login", deploy it,
 * and add it to the Login flow. Keep CLIENT_CLAIM equal to the API's AUTH_CLIENT_CLAIM.
 */

/** Name of the claim, a namespaced URL. Keep it equal to the API's AUTH_CLIENT_CLAIM. */
const CLIENT_CLAIM = 'https://allow-clients.dev/client';

/**
 * @param {Event} event - Details about the user and the context in which they are logging in.
 * @param {PostLoginAPI} api - Interface whose methods can be used to change the behavior of the login.
 */
exports.onExecutePostLogin = async (event, api) => {
  const client = event.client;
  api.accessToken.setCustomClaim(CLIENT_CLAIM, {
    id: client.client_id,
    name: typeof client.name === 'string' ? client.name : null,
    metadata: { ...(client.metadata || {}) },
  });
};
