// The console's entry: one session, one urql client, the app.
import { StrictMode, useMemo, useSyncExternalStore } from "react";
import { createRoot } from "react-dom/client";
import { Provider } from "urql";
import { App } from "./App";
import { createClient } from "./client";
import { refresh } from "./refresh";
import { IDENTITY_KEY, Session } from "./session";
import { ViewerProvider } from "./viewer";
import "./style.css";

const session = new Session(window.localStorage);

// Another tab signed in or out: follow it. (A refresh in another tab changes only the refresh
// token; this tab's access token stays good, and its next refresh reads the new one.)
window.addEventListener("storage", (event) => {
  if (event.key === IDENTITY_KEY) session.identityChanged();
});

// Signed out: GraphiQL's saved tabs (queries, variables, maybe a password typed into a login
// mutation) go too.
session.subscribe(() => {
  if (session.signedIn) return;
  for (const key of Object.keys(window.localStorage)) {
    if (key.startsWith("graphiql:")) window.localStorage.removeItem(key);
  }
});

/** A fresh client (and so an empty cache) and fresh pages for each identity. */
function Root() {
  const generation = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.generation,
  );
  const current = useMemo(() => createClient(session), [generation]);
  return (
    <Provider value={current} key={generation}>
      <ViewerProvider session={session}>
        <App />
      </ViewerProvider>
    </Provider>
  );
}

// Refresh ahead of expiry even when the page sits idle, so the next click is not delayed.
function scheduleRefresh() {
  window.setTimeout(
    async () => {
      if (session.needsRefresh()) await refresh(session);
      scheduleRefresh();
    },
    Math.max(5_000, session.refreshDueIn()),
  );
}
scheduleRefresh();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
