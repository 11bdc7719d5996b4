export function routeTableSource(doc: Record<string, any>): string;
