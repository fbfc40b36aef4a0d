/**
 * The process: embedded PostgreSQL, the security filter chain (over the agents' sessions and login throttle) and the
 * OpenAPI document that names each operation's roles from the same rules, WebSocket settings, health, start-up
 * warm-up.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "agent", "live" })
package ru.rosdistant.gateway.system;
