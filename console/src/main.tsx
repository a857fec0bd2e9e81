// The console's entry: one session, one urql client, the app.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Provider } from "urql";
import { App } from "./App";
import { createClient } from "./client";
import { REFRESH_KEY, Session } from "./session";
import { ViewerProvider } from "./viewer";
import "./style.css";

const session = new Session(window.localStorage);
const client = createClient(session);

// Another tab signed out (or in as someone else): follow it.
window.addEventListener("storage", (event) => {
  if (event.key !== REFRESH_KEY) return;
  if (event.newValue === null) session.end();
  else session.dropAccess();
});

// Refresh ahead of expiry even when the page sits idle, so the next click is not delayed.
function scheduleRefresh() {
  window.setTimeout(async () => {
    if (session.needsRefresh()) {
      await client.query(`query KeepAlive { __typename }`, {}, { requestPolicy: "network-only" }).toPromise();
    }
    scheduleRefresh();
  }, Math.max(5_000, session.refreshDueIn()));
}
scheduleRefresh();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Provider value={client}>
      <ViewerProvider session={session}>
        <App />
      </ViewerProvider>
    </Provider>
  </StrictMode>,
);
