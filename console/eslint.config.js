// ESLint for the console and its browser tests: the recommended rules of ESLint, of
// typescript-eslint (with types, so a promise nobody waits for is found) and of React's hooks.
// Formatting is Prettier's, not ESLint's.
import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "src/gql/", "node_modules/"] },
  js.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    extends: [tseslint.configs.recommendedTypeChecked, reactHooks.configs.flat.recommended],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ["**/*.{js,mjs}"],
    languageOptions: { globals: globals.node },
  },
  {
    // The functions the browser tests hand to `page.evaluate` run in the page.
    files: ["e2e/**"],
    languageOptions: {
      globals: { document: "readonly", Image: "readonly", XMLSerializer: "readonly" },
    },
  },
);
