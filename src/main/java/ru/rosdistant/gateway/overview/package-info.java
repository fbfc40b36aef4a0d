/**
 * The supervisor's overview of the lines: who waits and how long, which agents are online and how busy,
 * overdue triage and tasks, and the outbox's backlog.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {
        "agent", "dialog", "outbox", "routing", "site", "task", "triage", "web" })
package ru.rosdistant.gateway.overview;
