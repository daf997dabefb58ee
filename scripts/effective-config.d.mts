// Types of effective-config.mjs for the TypeScript tests that import it.
export interface EffectiveVariable {
  value: unknown;
  source: string;
  replaces?: string;
}
export const SECRET_VARIABLES: string[];
export function effectiveVariables(args: string[], root: string): Promise<Map<string, EffectiveVariable>>;
export function describeConfig(variables: Map<string, EffectiveVariable>): Promise<string>;
