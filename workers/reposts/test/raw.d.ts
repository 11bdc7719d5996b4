/** Vite's `?raw` imports (the README, to test its examples). */
declare module "*.md?raw" {
  const text: string;
  export default text;
}
