export const root: string;
export function fetchOpenApi(url?: string): Promise<Record<string, any>>;
export function lintOpenApi(file: string): {
  errors: number;
  warnings: number;
  problems: { ruleId: string; severity: string; message: string; pointer?: string }[];
};
