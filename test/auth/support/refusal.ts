import { expect } from 'vitest';
import { AllowClientsError } from '../../../src/errors.js';
import type { ErrorCode } from '../../../src/errors.js';

/** Awaits a promise that must be refused with a coded error, and returns that error. */
export async function refusal(promise: Promise<unknown>): Promise<AllowClientsError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a refusal').toBeInstanceOf(AllowClientsError);
  return caught as AllowClientsError;
}

/** Asserts a refusal's code (and, when given, that its detail mentions a text). */
export async function expectRefused(promise: Promise<unknown>, code: ErrorCode, detail?: string | RegExp): Promise<AllowClientsError> {
  const error = await refusal(promise);
  expect({ code: error.code, detail: error.detail }).toMatchObject({ code });
  if (detail !== undefined) expect(error.detail ?? '').toMatch(detail);
  return error;
}
