// Typed documents for every operation in src/, generated from Roster's own schema.graphql
// (the file the server checks it prints), so a renamed field fails the type-check.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../schema.graphql",
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: true,
  generates: {
    "src/gql/": {
      preset: "client",
      config: {
        // WebAuthn options and credentials: read by the passkey helpers, which check their shape.
        scalars: { DateTime: "string", JSON: "unknown" },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      // A component reads the fields of its own fragment only, through `getFragmentData`
      // (named so that it is not taken for a React hook).
      presetConfig: { fragmentMasking: { unmaskFunctionName: "getFragmentData" } },
    },
  },
};

export default config;
