import { zValidator } from '@hono/zod-validator';
import type { z } from 'zod';
import { validationError } from '../errors';

function toFieldErrors(issues: readonly z.core.$ZodIssue[]) {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), message: 'Unknown field' }));
    }
    return [{ field: issue.path.join('.') || '(body)', message: issue.message }];
  });
}

/** zod validation of a JSON body or query string; failures become one 400 listing every field. */
export function validate<Target extends 'json' | 'query' | 'param', Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) {
  return zValidator(target, schema, (result) => {
    if (!result.success) throw validationError(toFieldErrors(result.error.issues));
  });
}
