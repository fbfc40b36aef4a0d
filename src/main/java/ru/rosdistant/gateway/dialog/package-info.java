/**
 * Dialogs and their messages in PostgreSQL: the commands ({@code DialogManagement}, {@code DialogForwarding}), the
 * read API other modules use ({@code DialogQueries}), visitor tokens; every change is published as a past-tense
 * {@code DialogEvent} on {@code DialogEvents}, which knows neither sockets nor routing.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "shared", "site" })
package ru.rosdistant.gateway.dialog;
