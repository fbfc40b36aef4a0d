/**
 * Canned answers: ready texts per line that agents insert in the console with a shortcut ({@code /hello});
 * supervisors keep them.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "agent", "site", "web" })
package ru.rosdistant.gateway.canned;
