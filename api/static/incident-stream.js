// The live stream of incidents (GET /api/v1/stream, Server-Sent Events), filtered by area
// and category on the server. The browser's EventSource sends the session cookie and,
// when the connection drops, reconnects by itself with Last-Event-ID, so the server
// replays what was missed.
import { api } from "/static/session.js";

const KINDS = ["incident.created", "incident.changed"];

// Follow the incidents of `filter` ({area, category}, empty for all): `onIncident(kind,
// incident, event)` for each change, `onState(state)` as the connection comes and goes:
// "live", "reconnecting" (the browser retries and will replay), or "lost" (the server
// refused the stream; nothing is retried, the page starts again when it wants).
// Returns the function that stops following.
export function followIncidents(filter, { onIncident, onState }) {
  const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v));
  const source = new EventSource(`/api/v1/stream?${query}`);
  for (const kind of KINDS) {
    source.addEventListener(kind, (message) => {
      const { incident, event } = JSON.parse(message.data);
      onIncident(kind, incident, event);
    });
  }
  source.addEventListener("open", () => onState("live"));
  source.addEventListener("error", () => {
    if (source.readyState !== EventSource.CLOSED) {
      onState("reconnecting");
      return;
    }
    // Closed for good: the answer was not a stream, a 401 once the session ended, say.
    // An API call finds out and, if so, goes to the login page.
    onState("lost");
    api("/api/v1/me").catch(() => {});
  });
  return () => source.close();
}
