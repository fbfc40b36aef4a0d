/**
 * The process: embedded PostgreSQL, security and sessions, WebSocket settings, start-up warm-up.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {
        "agent", "cluster", "ids", "live", "storage", "web" })
package ru.rosdistant.gateway.system;
