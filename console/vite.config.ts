// Two pages: the console (index.html) and GraphiQL (graphiql.html), so GraphiQL's editor is
// loaded only on its own page. `npm run dev` proxies the API to a running Roster.
import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

const roster = process.env.ROSTER_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // Roster serves exactly these files; no source maps in the binary.
    sourcemap: false,
    rollupOptions: {
      input: { console: "index.html", graphiql: "graphiql.html" },
    },
  },
  server: {
    proxy: {
      "/graphql": {
        target: roster,
        bypass: (req) => (req.headers.accept?.includes("text/html") ? req.url : undefined),
      },
      "/health": roster,
      "/schema.graphql": roster,
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
