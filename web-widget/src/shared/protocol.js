/*
 * The client side of the gateway's WebSocket protocol (docs/protocol.md), shared by the visitor widget (bundled
 * into /widget/widget.js) and the agent console (served as /console/shared/protocol.js). No DOM here: the
 * WebSocket class, the timers and the random source are passed in, so Node's test runner can drive it.
 */

/**
 * How long to wait before reconnect attempt number `attempt` (0 first): 0.25, 0.5, 1, 2 s, then every 2 s for
 * about a minute (30 attempts in all), then every 10 s; each ±25 % so that a thousand clients do not come back
 * in step.
 */
export function backoffDelay(attempt, random = Math.random) {
  return Math.min(attempt < 30 ? 2000 : 10000, 250 * 2 ** attempt) * (0.75 + random() / 2);
}
