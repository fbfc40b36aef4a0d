/**
 * The agent's console: the socket {@code /ws/agent}, its Origin guard, {@code /console}, the colleagues and
 * forward targets.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {
        "agent", "dialog", "live", "routing", "shared", "site", "task", "triage" })
package ru.rosdistant.gateway.console;
