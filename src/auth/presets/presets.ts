import { auth0Preset } from './auth0.js';
import { cognitoPreset } from './cognito.js';
import { entraPreset } from './entra.js';
import { keycloakPreset } from './keycloak.js';
import { oktaPreset } from './okta.js';
import type { ClaimsPreset, PresetName } from './preset.js';
import { rfc9068Preset } from './rfc9068.js';

/** Every claim-mapping preset, by name. */
export const PRESETS: Readonly<Record<PresetName, ClaimsPreset>> = Object.freeze({
  auth0: auth0Preset,
  rfc9068: rfc9068Preset,
  okta: oktaPreset,
  entra: entraPreset,
  cognito: cognitoPreset,
  keycloak: keycloakPreset,
});

/** The preset names, in documentation order. */
export const PRESET_NAMES: readonly PresetName[] = Object.freeze(Object.keys(PRESETS) as PresetName[]);

/** Whether a value names a preset. */
export function isPresetName(value: unknown): value is PresetName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PRESETS, value);
}
