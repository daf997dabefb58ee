import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { validationHook } from '../middleware/validation';

/** A feature's route group: trailing slashes optional, validation failures answered as one 400. */
export function routes() {
  return new OpenAPIHono<AppEnv>({ strict: false, defaultHook: validationHook });
}
