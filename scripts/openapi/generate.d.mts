export function generateClientTypes(doc: Record<string, any>): Promise<string>;
