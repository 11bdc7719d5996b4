// pinyin-pro's word dictionaries (word → pinyin), read by shapes.ts for real Chinese vocabulary.
declare module "pinyin-pro/dist/esm/data/*.mjs" {
  const dict: Record<string, string>;
  export default dict;
}
