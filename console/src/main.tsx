// The console's entry: one session for the tab, and for each identity that signs in a fresh
// urql client (so an empty cache) under the layout and its routes.
import { StrictMode, useState, useSyncExternalStore } from "react";
import { createRoot } from "react-dom/client";
import { Provider } from "urql";
import { createClient } from "./app/client";
import { Layout } from "./app/layout";
import { refresh } from "./app/refresh";
import { Routes } from "./app/routes";
import { IDENTITY_KEY, Session } from "./app/session";
import { ViewerProvider } from "./app/viewer";
import { StepUpProvider } from "./features/two-factor/reauthenticate-dialog";
import "./app/style.css";

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

/** One identity's console: its own client, and pages that show nothing of the one before. */
function Identity() {
  const [enrollmentRequired, setEnrollmentRequired] = useState(false);
  const [client] = useState(() =>
    createClient(session, { onEnrollmentRequired: () => setEnrollmentRequired(true) }),
  );
  return (
    <Provider value={client}>
      <ViewerProvider session={session} enrollmentRequired={enrollmentRequired}>
        <StepUpProvider>
          <Layout>
            <Routes />
          </Layout>
        </StepUpProvider>
      </ViewerProvider>
    </Provider>
  );
}

function Root() {
  const generation = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.generation,
  );
  return <Identity key={generation} />;
}

// Refresh ahead of expiry even when the page sits idle, so the next click is not delayed.
async function refreshWhenDue() {
  if (session.needsRefresh()) await refresh(session);
  scheduleRefresh();
}
function scheduleRefresh() {
  window.setTimeout(() => void refreshWhenDue(), Math.max(5_000, session.refreshDueIn()));
}
scheduleRefresh();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
