/**
 * The supervisor's overview of the lines: who waits and how long, which agents are online and how busy,
 * overdue triage and tasks, and the outbox's backlog.
 */
package ru.rosdistant.gateway.overview;
