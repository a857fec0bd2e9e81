// GraphiQL, served by Roster at `GET /graphql` to browsers: the editor and its workers come
// from the binary, never a CDN. It can send the console's sign-in (a fresh access token from
// the kept refresh token) or nothing.
import { StrictMode, useState, useSyncExternalStore } from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import "graphiql/setup-workers/vite";
import "graphiql/style.css";
import "./graphiql.css";
import { refresh } from "./app/refresh";
import { Session } from "./app/session";

const DEFAULT_QUERY = `# Roster's API. \`me\` is you when the console's sign-in is sent, null otherwise.
{
  __typename
  me {
    email
    role
  }
}
`;

const session = new Session(window.localStorage);
let sendToken = session.signedIn;

const fetcher = createGraphiQLFetcher({
  url: "/graphql",
  fetch: async (input, init) => {
    const headers = new Headers(init?.headers);
    if (sendToken && session.signedIn) {
      if (session.needsRefresh()) await refresh(session);
      if (session.accessToken) headers.set("Authorization", `Bearer ${session.accessToken}`);
    }
    return fetch(input, { ...init, headers });
  },
});

function Page() {
  const signedIn = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.signedIn,
  );
  const [send, setSend] = useState(sendToken);
  return (
    <div className="graphiql-page">
      <header className="graphiql-bar">
        <a href="/">Roster console</a>
        <label>
          <input
            type="checkbox"
            checked={send && signedIn}
            disabled={!signedIn}
            onChange={(event) => {
              sendToken = event.target.checked;
              setSend(event.target.checked);
            }}
          />{" "}
          {signedIn
            ? "Send my console sign-in"
            : "Not signed in to the console: requests are anonymous"}
        </label>
      </header>
      <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} />
    </div>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Page />
  </StrictMode>,
);
