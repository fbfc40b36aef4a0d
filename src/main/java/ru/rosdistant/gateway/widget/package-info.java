/**
 * The visitor's widget: the socket {@code /ws/visitor}, its Origin guard, visitors' files, per-client limits,
 * abandoned waiting visitors.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {
        "card", "cluster", "dialog", "files", "live", "routing", "shared", "site", "task", "web" })
package ru.rosdistant.gateway.widget;
