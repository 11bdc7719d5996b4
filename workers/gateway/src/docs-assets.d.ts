// Swagger UI's browser bundle and stylesheet are imported as text (wrangler `[[rules]]` Text).
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const text: string;
  export default text;
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const text: string;
  export default text;
}
