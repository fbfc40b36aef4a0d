/**
 * Dialogs and their messages in PostgreSQL: the commands ({@code DialogManagement}, {@code DialogForwarding}), the
 * read API other modules use ({@code DialogQueries}), visitor tokens, and the live events on {@code DialogBus}.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "ids", "site", "storage" })
package ru.rosdistant.gateway.dialog;
